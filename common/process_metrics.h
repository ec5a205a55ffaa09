// The process_* series Prometheus client libraries export by convention, read from /proc/self
// at each scrape (prometheus-cpp has no process collector).
//
//   process_cpu_seconds_total        user + system CPU time
//   process_resident_memory_bytes    resident set size
//   process_virtual_memory_bytes     virtual memory size
//   process_open_fds                 open file descriptors
//   process_max_fds                  the soft limit on open file descriptors
//   process_threads                  threads in the process
//   process_start_time_seconds       start time, seconds since the Unix epoch
//
// A value /proc cannot give (another OS, a restricted sandbox) is left out, never reported as 0.

#ifndef LOOKOUT_COMMON_PROCESS_METRICS_H_
#define LOOKOUT_COMMON_PROCESS_METRICS_H_

#include <prometheus/metric_family.h>

#include <vector>

namespace lookout {

void AppendProcessMetrics(std::vector<prometheus::MetricFamily>* families);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_PROCESS_METRICS_H_
