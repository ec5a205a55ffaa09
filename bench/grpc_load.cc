// lookout-bench-load: a closed-loop gRPC load generator for the Lookout services.
//
// --concurrency call chains each keep one call outstanding; a chain issues its next call from
// the completion callback of the previous one (gRPC callback API), so 64 outstanding calls need
// no thread of their own. Requests are built before the clock starts. Client and server share
// the machine's cores, so the client's own CPU is reported too (client_cores).
//
// Modes:
//   health        grpc.health.v1.Health/Check (the empty-RPC baseline)
//   get_event     EventService.GetEvent over the ids of --ids_file, in turn
//   create_event  EventService.CreateEvent naming a real actor (the actor check is included)
//   import        EventService.ImportEvents, --count streams of --import_events rows each
//   list_events   EventService.ListEvents, the first page of --list_country's events
//
// --target may name several servers (comma-separated), e.g. replicas of one service on one
// database: each gets --channels connections, and the call chains take them in turn.
//
// Prints one line per run, "RESULT key=value ...", with throughput and p50/p99 latency (for
// import, throughput is in events/s and latency is per stream). Exits 1 when any call failed.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_rows.h"
#include "common/call_context.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50052",
          "host:port of the server under load; several, comma-separated, share the load");
ABSL_FLAG(std::string, mode, "health",
          "health | get_event | create_event | import | list_events");
ABSL_FLAG(int, concurrency, 64, "calls (import: streams) kept outstanding at once");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "how long to measure, when --count is 0");
ABSL_FLAG(int64_t, count, 0,
          "measure exactly this many calls (import: streams) instead of running for --duration");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "load applied before measuring (import: one stream of --import_warmup_events rows)");
ABSL_FLAG(int, channels, 1,
          "TCP connections per target to spread the calls over (one channel is what a real "
          "caller uses)");
ABSL_FLAG(std::string, token_file, "",
          "file holding the internal token; default: $LOOKOUT_INTERNAL_TOKEN");
ABSL_FLAG(std::string, health_service, "", "service name for health Check (\"\": the server)");
ABSL_FLAG(std::string, ids_file, "", "get_event: event ids, one per line");
ABSL_FLAG(std::string, ids_out, "", "create_event: write the ids of the created events here");
ABSL_FLAG(std::string, actor_id, "", "create_event/import: the participant's actor id");
ABSL_FLAG(std::string, actor_target, "",
          "create_event/import without --actor_id: create an actor at this ActorService first");
ABSL_FLAG(int, create_date_days, 0,
          "create_event: event dates within this many consecutive days (0: spread over ten "
          "years, as imported history is); a diagnostic of what scattered index keys cost");
ABSL_FLAG(bool, no_participants, false,
          "create_event: send events without participants, so no actor check runs (isolates "
          "its cost from the write's)");
ABSL_FLAG(int, import_events, 10000, "import: rows per stream");
ABSL_FLAG(int, import_warmup_events, 500, "import: rows in the warm-up stream");
ABSL_FLAG(std::string, list_country, "HTI", "list_events: the one country of the filter");
ABSL_FLAG(int, page_size, 50, "list_events: page_size of each request");
ABSL_FLAG(std::string, label, "", "copied into the RESULT line to name the configuration");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(60), "deadline of each call (import: stream)");

namespace lookout::bench {
namespace {

namespace event_v1 = ::lookout::event::v1;
namespace actor_v1 = ::lookout::actor::v1;
namespace health_v1 = ::grpc::health::v1;

// CPU time this process has used, user and system, in seconds.
double ProcessCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What one finished call reports to the runner.
struct CallResult {
  grpc::Status status;
  // Units of work the call carried: 1, or the rows of an import stream.
  int64_t items = 1;
  // Set by create_event, for --ids_out.
  std::string created_id;
};

using DoneFn = std::function<void(CallResult)>;

// Issues one kind of call. Start is called for a chain only after that chain's previous call
// finished, so per-chain state needs no lock.
class CallDriver {
 public:
  virtual ~CallDriver() = default;
  // Starts the call; `done` runs exactly once, on a gRPC thread.
  virtual void Start(int chain, DoneFn done) = 0;
};

// Shared by the drivers: channels, metadata and the per-call context.
class ClientBase {
 public:
  ClientBase(std::vector<std::shared_ptr<grpc::Channel>> channels, std::string token,
             absl::Duration deadline)
      : channels_(std::move(channels)), token_(std::move(token)), deadline_(deadline) {}

  // A fresh context with the token and deadline. The previous one of the chain is released
  // here, inside its own completion callback: safe, because the callback tag holds its own
  // reference to the call until the callback returns.
  grpc::ClientContext* NewContext(std::unique_ptr<grpc::ClientContext>& slot) {
    slot = std::make_unique<grpc::ClientContext>();
    if (!token_.empty()) slot->AddMetadata(kInternalTokenHeader, token_);
    slot->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline_));
    return slot.get();
  }
  const std::shared_ptr<grpc::Channel>& ChannelFor(int chain) const {
    return channels_[chain % channels_.size()];
  }
  size_t channel_count() const { return channels_.size(); }

 private:
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::string token_;
  absl::Duration deadline_;
};

class HealthDriver : public CallDriver {
 public:
  HealthDriver(ClientBase* base, int concurrency, const std::string& service) : base_(base) {
    for (size_t i = 0; i < base->channel_count(); ++i) {
      stubs_.push_back(health_v1::Health::NewStub(base->ChannelFor(static_cast<int>(i))));
    }
    chains_.resize(concurrency);
    for (Chain& chain : chains_) chain.request.set_service(service);
  }

  void Start(int chain_index, DoneFn done) override {
    Chain& chain = chains_[chain_index];
    chain.response.Clear();
    stubs_[chain_index % stubs_.size()]->async()->Check(
        base_->NewContext(chain.context), &chain.request, &chain.response,
        [&chain, done = std::move(done)](grpc::Status status) {
          if (status.ok() && chain.response.status() != health_v1::HealthCheckResponse::SERVING) {
            status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "health: not SERVING");
          }
          done(CallResult{std::move(status)});
        });
  }

 private:
  struct Chain {
    std::unique_ptr<grpc::ClientContext> context;
    health_v1::HealthCheckRequest request;
    health_v1::HealthCheckResponse response;
  };
  ClientBase* base_;
  std::vector<std::unique_ptr<health_v1::Health::Stub>> stubs_;
  std::vector<Chain> chains_;
};

class GetEventDriver : public CallDriver {
 public:
  GetEventDriver(ClientBase* base, int concurrency, std::vector<std::string> ids)
      : base_(base), ids_(std::move(ids)) {
    for (size_t i = 0; i < base->channel_count(); ++i) {
      stubs_.push_back(event_v1::EventService::NewStub(base->ChannelFor(static_cast<int>(i))));
    }
    chains_.resize(concurrency);
  }

  void Start(int chain_index, DoneFn done) override {
    Chain& chain = chains_[chain_index];
    // Every id in turn, so a warm-up that covers the set leaves the whole set cached.
    chain.request.set_id(ids_[next_.fetch_add(1, std::memory_order_relaxed) % ids_.size()]);
    chain.response.Clear();
    stubs_[chain_index % stubs_.size()]->async()->GetEvent(
        base_->NewContext(chain.context), &chain.request, &chain.response,
        [done = std::move(done)](grpc::Status status) { done(CallResult{std::move(status)}); });
  }

 private:
  struct Chain {
    std::unique_ptr<grpc::ClientContext> context;
    event_v1::GetEventRequest request;
    event_v1::GetEventResponse response;
  };
  ClientBase* base_;
  std::vector<std::string> ids_;
  std::atomic<uint64_t> next_{0};
  std::vector<std::unique_ptr<event_v1::EventService::Stub>> stubs_;
  std::vector<Chain> chains_;
};

// The same first page each time: one country, the default order (newest first).
class ListEventsDriver : public CallDriver {
 public:
  ListEventsDriver(ClientBase* base, int concurrency, const std::string& country, int page_size)
      : base_(base) {
    for (size_t i = 0; i < base->channel_count(); ++i) {
      stubs_.push_back(event_v1::EventService::NewStub(base->ChannelFor(static_cast<int>(i))));
    }
    chains_.resize(concurrency);
    for (Chain& chain : chains_) {
      chain.request.mutable_filter()->add_country_codes(country);
      chain.request.set_page_size(page_size);
    }
  }

  void Start(int chain_index, DoneFn done) override {
    Chain& chain = chains_[chain_index];
    chain.response.Clear();
    stubs_[chain_index % stubs_.size()]->async()->ListEvents(
        base_->NewContext(chain.context), &chain.request, &chain.response,
        [&chain, done = std::move(done)](grpc::Status status) {
          // An empty page would measure nothing but the count.
          if (status.ok() && chain.response.events_size() == 0) {
            status = grpc::Status(grpc::StatusCode::NOT_FOUND, "list_events: the page is empty");
          }
          done(CallResult{std::move(status)});
        });
  }

 private:
  struct Chain {
    std::unique_ptr<grpc::ClientContext> context;
    event_v1::ListEventsRequest request;
    event_v1::ListEventsResponse response;
  };
  ClientBase* base_;
  std::vector<std::unique_ptr<event_v1::EventService::Stub>> stubs_;
  std::vector<Chain> chains_;
};

class CreateEventDriver : public CallDriver {
 public:
  // Each chain owns kRequestsPerChain prebuilt requests and cycles through them, so no request
  // is shared between threads and none is built on the clock.
  static constexpr int kRequestsPerChain = 16;

  CreateEventDriver(ClientBase* base, int concurrency, const std::string& actor_id,
                    bool participants, int date_days)
      : base_(base) {
    for (size_t i = 0; i < base->channel_count(); ++i) {
      stubs_.push_back(event_v1::EventService::NewStub(base->ChannelFor(static_cast<int>(i))));
    }
    chains_.resize(concurrency);
    int64_t index = 0;
    for (Chain& chain : chains_) {
      chain.requests.resize(kRequestsPerChain);
      // No external id: an interactive create does not carry one (imports do).
      for (auto& request : chain.requests) {
        *request.mutable_event() = MakeBenchEvent(index, actor_id, "");
        if (!participants) request.mutable_event()->clear_participants();
        if (date_days > 0) {
          request.mutable_event()->set_event_date(
              absl::StrFormat("2024-03-%02d", 1 + static_cast<int>(index % date_days)));
        }
        ++index;
      }
    }
  }

  void Start(int chain_index, DoneFn done) override {
    Chain& chain = chains_[chain_index];
    const event_v1::CreateEventRequest& request =
        chain.requests[chain.next++ % chain.requests.size()];
    chain.response.Clear();
    stubs_[chain_index % stubs_.size()]->async()->CreateEvent(
        base_->NewContext(chain.context), &request, &chain.response,
        [&chain, done = std::move(done)](grpc::Status status) {
          CallResult result{std::move(status)};
          if (result.status.ok()) result.created_id = chain.response.event().id();
          done(std::move(result));
        });
  }

 private:
  struct Chain {
    std::unique_ptr<grpc::ClientContext> context;
    std::vector<event_v1::CreateEventRequest> requests;
    size_t next = 0;
    event_v1::CreateEventResponse response;
  };
  ClientBase* base_;
  std::vector<std::unique_ptr<event_v1::EventService::Stub>> stubs_;
  std::vector<Chain> chains_;
};

// One client-streaming ImportEvents call; deletes itself when done.
class ImportStream : public grpc::ClientWriteReactor<event_v1::ImportEventsRequest> {
 public:
  ImportStream(const std::vector<event_v1::ImportEventsRequest>* rows, DoneFn done)
      : rows_(rows), done_(std::move(done)) {}

  void Go(event_v1::EventService::Stub* stub, ClientBase* base) {
    stub->async()->ImportEvents(base->NewContext(context_), &response_, this);
    StartWrite(&(*rows_)[0]);
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    // Not ok: the server ended the call early; OnDone brings its status.
    if (!ok) return;
    if (++next_ < rows_->size()) {
      StartWrite(&(*rows_)[next_]);
    } else {
      StartWritesDone();
    }
  }

  void OnDone(const grpc::Status& status) override {
    CallResult result{status, static_cast<int64_t>(rows_->size())};
    if (status.ok() && response_.created() != static_cast<int64_t>(rows_->size())) {
      std::string why = absl::StrCat("import: ", response_.created(), " of ", rows_->size(),
                                     " rows created, ", response_.rejected(), " rejected");
      if (response_.errors_size() > 0) {
        absl::StrAppend(&why, " (first: row ", response_.errors(0).index(), " ",
                        response_.errors(0).field(), ": ", response_.errors(0).message(), ")");
      }
      result.status = grpc::Status(grpc::StatusCode::DATA_LOSS, why);
    }
    DoneFn done = std::move(done_);
    delete this;
    done(std::move(result));
  }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  const std::vector<event_v1::ImportEventsRequest>* rows_;
  size_t next_ = 0;
  event_v1::ImportEventsResponse response_;
  DoneFn done_;
};

class ImportDriver : public CallDriver {
 public:
  // `streams` row sets, handed out in order; Start must not be called more often.
  ImportDriver(ClientBase* base, std::vector<std::vector<event_v1::ImportEventsRequest>> streams)
      : base_(base), streams_(std::move(streams)) {
    for (size_t i = 0; i < base->channel_count(); ++i) {
      stubs_.push_back(event_v1::EventService::NewStub(base->ChannelFor(static_cast<int>(i))));
    }
  }

  void Start(int chain_index, DoneFn done) override {
    const size_t stream = next_.fetch_add(1);
    auto* call = new ImportStream(&streams_[stream], std::move(done));
    call->Go(stubs_[chain_index % stubs_.size()].get(), base_);
  }

 private:
  ClientBase* base_;
  std::vector<std::vector<event_v1::ImportEventsRequest>> streams_;
  std::atomic<size_t> next_{0};
  std::vector<std::unique_ptr<event_v1::EventService::Stub>> stubs_;
};

struct Summary {
  int64_t calls = 0;
  int64_t items = 0;
  int64_t errors = 0;
  double seconds = 0;
  // CPU the whole client process used over the measured phase, in cores: with client and
  // server on the same 2 cores, this is how much of the machine the load itself took.
  double client_cores = 0;
  std::vector<int64_t> latencies_ns;  // successful measured calls
  std::vector<std::string> created_ids;
  std::vector<std::string> error_samples;
};

// Runs the call chains: a warm-up whose calls are not counted, then the measured phase. A call
// is measured when it started in the measured phase; the measured time runs from the start of
// that phase to the last measured completion, so a tail still in flight at the end counts.
class Runner {
 public:
  Runner(CallDriver* driver, int concurrency, int64_t count)
      : driver_(driver), concurrency_(concurrency), count_(count), chains_(concurrency) {}

  Summary Run(absl::Duration warmup, absl::Duration duration) {
    budget_.store(count_);
    const bool warm = warmup > absl::ZeroDuration();
    if (!warm) {
      measure_start_cpu_ = ProcessCpuSeconds();
      measure_start_ns_.store(NowNs());
    }
    phase_.store(warm ? kWarmup : kMeasure);
    {
      absl::MutexLock lock(&mu_);
      active_ = concurrency_;
    }
    for (int i = 0; i < concurrency_; ++i) Issue(i);
    if (warm) {
      absl::SleepFor(warmup);
      measure_start_cpu_ = ProcessCpuSeconds();
      measure_start_ns_.store(NowNs());
      phase_.store(kMeasure);
    }
    absl::MutexLock lock(&mu_);
    if (count_ == 0) {
      auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return active_ == 0; };
      mu_.AwaitWithTimeout(absl::Condition(&idle), duration);
      phase_.store(kStop);
    }
    mu_.Await(absl::Condition(
        +[](int* active) { return *active == 0; }, &active_));
    const double cpu = ProcessCpuSeconds() - measure_start_cpu_;
    const double wall = static_cast<double>(NowNs() - measure_start_ns_.load()) / 1e9;
    Summary summary = Collect();
    summary.client_cores = wall > 0 ? cpu / wall : 0;
    return summary;
  }

 private:
  enum Phase { kWarmup, kMeasure, kStop };

  struct Chain {
    std::vector<int64_t> latencies_ns;
    int64_t calls = 0;
    int64_t items = 0;
    int64_t errors = 0;
    int64_t last_done_ns = 0;
    std::vector<std::string> created_ids;
    std::vector<std::string> error_samples;
  };

  void Issue(int chain) {
    const int phase = phase_.load();
    const bool measured = phase == kMeasure;
    if (phase == kStop || (measured && count_ > 0 && budget_.fetch_sub(1) <= 0)) {
      absl::MutexLock lock(&mu_);
      --active_;
      return;
    }
    const int64_t start_ns = NowNs();
    driver_->Start(chain, [this, chain, start_ns, measured](CallResult result) {
      Complete(chain, start_ns, measured, std::move(result));
    });
  }

  void Complete(int chain_index, int64_t start_ns, bool measured, CallResult result) {
    const int64_t end_ns = NowNs();
    Chain& chain = chains_[chain_index];
    if (!result.status.ok()) {
      // Warm-up failures count too: a configuration that fails is not one to report a rate for.
      ++chain.errors;
      if (chain.error_samples.size() < 2) {
        chain.error_samples.push_back(
            absl::StrCat("code ", result.status.error_code(), ": ", result.status.error_message()));
      }
    } else if (measured) {
      ++chain.calls;
      chain.items += result.items;
      chain.latencies_ns.push_back(end_ns - start_ns);
    }
    if (measured) chain.last_done_ns = std::max(chain.last_done_ns, end_ns);
    if (!result.created_id.empty()) chain.created_ids.push_back(std::move(result.created_id));
    Issue(chain_index);
  }

  Summary Collect() {
    Summary summary;
    int64_t last_done_ns = measure_start_ns_.load();
    for (Chain& chain : chains_) {
      summary.calls += chain.calls;
      summary.items += chain.items;
      summary.errors += chain.errors;
      last_done_ns = std::max(last_done_ns, chain.last_done_ns);
      summary.latencies_ns.insert(summary.latencies_ns.end(), chain.latencies_ns.begin(),
                                  chain.latencies_ns.end());
      for (std::string& id : chain.created_ids) summary.created_ids.push_back(std::move(id));
      for (std::string& e : chain.error_samples) {
        if (summary.error_samples.size() < 3) summary.error_samples.push_back(std::move(e));
      }
    }
    summary.seconds = static_cast<double>(last_done_ns - measure_start_ns_.load()) / 1e9;
    return summary;
  }

  CallDriver* const driver_;
  const int concurrency_;
  const int64_t count_;
  std::atomic<int> phase_{kWarmup};
  std::atomic<int64_t> budget_{0};
  std::atomic<int64_t> measure_start_ns_{0};
  double measure_start_cpu_ = 0;  // main thread only
  // Written only by the chain's own calls, one at a time; read after every chain stopped.
  std::vector<Chain> chains_;
  absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
};

double PercentileMs(std::vector<int64_t>& values, double q) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return static_cast<double>(values[k]) / 1e6;
}

std::string ReadToken() {
  const std::string file = absl::GetFlag(FLAGS_token_file);
  if (file.empty()) {
    const char* env = std::getenv("LOOKOUT_INTERNAL_TOKEN");
    return env == nullptr ? "" : env;
  }
  std::ifstream in(file);
  std::string token;
  std::getline(in, token);
  return std::string(absl::StripAsciiWhitespace(token));
}

std::vector<std::string> ReadIds(const std::string& path) {
  std::vector<std::string> ids;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view id = absl::StripAsciiWhitespace(line);
    if (!id.empty()) ids.emplace_back(id);
  }
  return ids;
}

// `count` channels to each target, interleaved (target 1, target 2, ..., target 1, ...), so
// chains taking channels in turn spread evenly over the targets.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::vector<std::string>& targets,
                                                         int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count * static_cast<int>(targets.size()); ++i) {
    const std::string& target = targets[i % targets.size()];
    grpc::ChannelArguments args;
    // A local subchannel pool gives each channel its own TCP connection; otherwise channels
    // with equal arguments share one.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(4 * 1024 * 1024);
    channels.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

// Creates the actor that created and imported events name, so the service's actor check runs
// against a real actor.
std::string CreateActor(const std::string& target, const std::string& token) {
  auto stub = actor_v1::ActorService::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata(kInternalTokenHeader, token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  actor_v1::CreateActorRequest request;
  request.mutable_actor()->set_name(
      absl::StrCat("Benchmark forces ", absl::ToUnixNanos(absl::Now())));
  request.mutable_actor()->set_type(actor_v1::ACTOR_TYPE_STATE_FORCES);
  request.mutable_actor()->set_country_code("HTI");
  actor_v1::CreateActorResponse response;
  grpc::Status status = stub->CreateActor(&context, request, &response);
  if (!status.ok()) {
    std::cerr << "lookout-bench-load: CreateActor at " << target << " failed: code "
              << status.error_code() << ": " << status.error_message() << "\n";
    std::exit(2);
  }
  return response.actor().id();
}

[[noreturn]] void Usage(absl::string_view problem) {
  std::cerr << "lookout-bench-load: " << problem << "\n";
  std::exit(2);
}

int Main() {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::vector<std::string> targets = absl::StrSplit(target, ',', absl::SkipEmpty());
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const int64_t count = absl::GetFlag(FLAGS_count);
  const int channel_count = absl::GetFlag(FLAGS_channels);
  if (concurrency < 1) Usage("--concurrency must be at least 1");
  if (channel_count < 1) Usage("--channels must be at least 1");
  if (targets.empty()) Usage("--target names no server");
  if (count < 0) Usage("--count must not be negative");
  if (count == 0 && absl::GetFlag(FLAGS_duration) <= absl::ZeroDuration()) {
    Usage("give --count or a positive --duration");
  }
  const std::string token = ReadToken();

  std::vector<std::shared_ptr<grpc::Channel>> channels = MakeChannels(targets, channel_count);
  for (size_t i = 0; i < channels.size(); ++i) {
    if (!channels[i]->WaitForConnected(std::chrono::system_clock::now() +
                                       std::chrono::seconds(10))) {
      Usage(absl::StrCat("cannot connect to ", targets[i % targets.size()]));
    }
  }
  ClientBase base(channels, token, absl::GetFlag(FLAGS_deadline));

  std::string actor_id = absl::GetFlag(FLAGS_actor_id);
  const bool no_participants = mode == "create_event" && absl::GetFlag(FLAGS_no_participants);
  if ((mode == "create_event" || mode == "import") && actor_id.empty() && !no_participants) {
    if (absl::GetFlag(FLAGS_actor_target).empty()) {
      Usage("create_event and import need --actor_id or --actor_target");
    }
    actor_id = CreateActor(absl::GetFlag(FLAGS_actor_target), token);
  }

  std::unique_ptr<CallDriver> driver;
  absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  int64_t measured_count = count;
  int import_events = 0;
  if (mode == "health") {
    driver =
        std::make_unique<HealthDriver>(&base, concurrency, absl::GetFlag(FLAGS_health_service));
  } else if (mode == "get_event") {
    std::vector<std::string> ids = ReadIds(absl::GetFlag(FLAGS_ids_file));
    if (ids.empty()) Usage("get_event needs --ids_file with at least one id");
    driver = std::make_unique<GetEventDriver>(&base, concurrency, std::move(ids));
  } else if (mode == "list_events") {
    const int page_size = absl::GetFlag(FLAGS_page_size);
    if (page_size < 1) Usage("--page_size must be at least 1");
    driver = std::make_unique<ListEventsDriver>(&base, concurrency,
                                                absl::GetFlag(FLAGS_list_country), page_size);
  } else if (mode == "create_event") {
    const int date_days = absl::GetFlag(FLAGS_create_date_days);
    if (date_days < 0 || date_days > 28) {
      std::cerr << "lookout-bench-load: --create_date_days must be 0..28, got " << date_days
                << "\n";
      return 2;
    }
    driver = std::make_unique<CreateEventDriver>(&base, concurrency, actor_id, !no_participants,
                                                 date_days);
  } else if (mode == "import") {
    import_events = absl::GetFlag(FLAGS_import_events);
    if (import_events < 1) Usage("--import_events must be at least 1");
    // Streams are prebuilt, so their number must be known: --count streams (default 1).
    if (measured_count == 0) measured_count = 1;
    // Unique external ids per run, so repeated runs against one database never collide.
    const std::string tag = absl::StrCat("r", absl::ToUnixMicros(absl::Now()));
    auto build = [&](int64_t first, int rows) {
      std::vector<event_v1::ImportEventsRequest> stream(rows);
      for (int i = 0; i < rows; ++i) {
        *stream[i].mutable_event() = MakeBenchEvent(first + i, actor_id, tag);
      }
      return stream;
    };
    const int warmup_events = absl::GetFlag(FLAGS_import_warmup_events);
    if (warmup > absl::ZeroDuration() && warmup_events > 0) {
      // One short stream first: connections, the actor cache and SQLite's page cache warm up.
      std::vector<std::vector<event_v1::ImportEventsRequest>> streams;
      streams.push_back(build(1'000'000'000, warmup_events));
      ImportDriver warm_driver(&base, std::move(streams));
      Summary warm = Runner(&warm_driver, 1, 1).Run(absl::ZeroDuration(), absl::ZeroDuration());
      if (warm.errors > 0) {
        std::cerr << "lookout-bench-load: warm-up import failed: " << warm.error_samples[0] << "\n";
        return 1;
      }
    }
    warmup = absl::ZeroDuration();
    std::vector<std::vector<event_v1::ImportEventsRequest>> streams;
    for (int64_t s = 0; s < measured_count; ++s) {
      streams.push_back(build(s * import_events, import_events));
    }
    driver = std::make_unique<ImportDriver>(&base, std::move(streams));
  } else {
    Usage(absl::StrCat("unknown --mode \"", mode, "\""));
  }

  // More streams outstanding than streams to send would ask the import driver for too many.
  const int chains = mode == "import"
                         ? static_cast<int>(std::min<int64_t>(concurrency, measured_count))
                         : concurrency;
  Summary summary =
      Runner(driver.get(), chains, measured_count).Run(warmup, absl::GetFlag(FLAGS_duration));

  const double seconds = summary.seconds > 0 ? summary.seconds : 1e-9;
  const double p50 = PercentileMs(summary.latencies_ns, 0.50);
  const double p99 = PercentileMs(summary.latencies_ns, 0.99);
  std::string line = absl::StrFormat(
      "RESULT mode=%s label=%s concurrency=%d targets=%d channels=%d calls=%d errors=%d "
      "seconds=%.3f",
      mode, absl::GetFlag(FLAGS_label).empty() ? "-" : absl::GetFlag(FLAGS_label), chains,
      targets.size(), channels.size(), summary.calls, summary.errors, summary.seconds);
  if (mode == "import") {
    absl::StrAppendFormat(&line, " events=%d throughput=%.1f unit=events/s", summary.items,
                          static_cast<double>(summary.items) / seconds);
  } else {
    absl::StrAppendFormat(&line, " throughput=%.1f unit=calls/s",
                          static_cast<double>(summary.calls) / seconds);
  }
  absl::StrAppendFormat(&line, " p50_ms=%.3f p99_ms=%.3f client_cores=%.2f", p50, p99,
                        summary.client_cores);
  if (!actor_id.empty()) absl::StrAppend(&line, " actor_id=", actor_id);
  std::cout << line << std::endl;

  const std::string ids_out = absl::GetFlag(FLAGS_ids_out);
  if (!ids_out.empty()) {
    std::ofstream out(ids_out);
    for (const std::string& id : summary.created_ids) out << id << "\n";
  }
  for (const std::string& e : summary.error_samples) {
    std::cerr << "lookout-bench-load: " << mode << " error: " << e << "\n";
  }
  return summary.errors == 0 && summary.calls > 0 ? 0 : 1;
}

}  // namespace
}  // namespace lookout::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "closed-loop gRPC load for Lookout; prints one RESULT line. Example:\n"
      "  lookout-bench-load --target=127.0.0.1:50052 --mode=get_event --ids_file=ids.txt");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil with deadlock detection on, and gRPC's mutexes are Abseil's: every
  // call would pay for cycle-graph bookkeeping in the client that the server is compared with.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (rest.size() > 1) lookout::bench::Usage(absl::StrCat("unexpected argument ", rest[1]));
  return lookout::bench::Main();
}
