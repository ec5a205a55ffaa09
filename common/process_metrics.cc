#include "common/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace lookout {
namespace {

void Append(std::vector<prometheus::MetricFamily>* families, const char* name, const char* help,
            prometheus::MetricType type, std::optional<double> value) {
  if (!value.has_value()) return;
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = *value;
  } else {
    metric.gauge.value = *value;
  }
  family.metric.push_back(std::move(metric));
  families->push_back(std::move(family));
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

std::optional<double> MaxFds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return std::nullopt;
  }
  return static_cast<double>(limit.rlim_cur);
}

// /proc/self/stat fields (man 5 proc), counted from 1: 14 utime, 15 stime, 20 num_threads,
// 22 starttime (clock ticks since boot), 23 vsize (bytes), 24 rss (pages).
struct Stat {
  double cpu_seconds = 0;
  double threads = 0;
  double start_ticks = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

std::optional<Stat> ReadStat() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces: fields resume after ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  double values[25] = {};
  for (int number = 3; number <= 24 && fields >> field; ++number) {
    values[number] = std::strtod(field.c_str(), nullptr);
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (ticks <= 0 || page <= 0) return std::nullopt;
  Stat stat;
  stat.cpu_seconds = (values[14] + values[15]) / ticks;
  stat.threads = values[20];
  stat.start_ticks = values[22] / ticks;
  stat.virtual_bytes = values[23];
  stat.resident_bytes = values[24] * page;
  return stat;
}

std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

}  // namespace

void AppendProcessMetrics(std::vector<prometheus::MetricFamily>* families) {
  using prometheus::MetricType;
  const std::optional<Stat> stat = ReadStat();
  std::optional<double> start;
  if (stat.has_value()) {
    if (std::optional<double> boot = BootTimeSeconds()) start = *boot + stat->start_ticks;
  }
  Append(families, "process_cpu_seconds_total", "Total user and system CPU time in seconds.",
         MetricType::Counter, stat ? std::optional<double>(stat->cpu_seconds) : std::nullopt);
  Append(families, "process_resident_memory_bytes", "Resident memory size in bytes.",
         MetricType::Gauge, stat ? std::optional<double>(stat->resident_bytes) : std::nullopt);
  Append(families, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
         MetricType::Gauge, stat ? std::optional<double>(stat->virtual_bytes) : std::nullopt);
  Append(families, "process_threads", "Threads in the process.", MetricType::Gauge,
         stat ? std::optional<double>(stat->threads) : std::nullopt);
  Append(families, "process_start_time_seconds",
         "Start time of the process since the Unix epoch in seconds.", MetricType::Gauge, start);
  Append(families, "process_open_fds", "Open file descriptors.", MetricType::Gauge, OpenFds());
  Append(families, "process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
         MaxFds());
}

}  // namespace lookout
