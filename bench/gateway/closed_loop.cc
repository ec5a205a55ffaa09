#include "bench/gateway/closed_loop.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace lookout::bench {
namespace {

using Clock = std::chrono::steady_clock;

class Loop {
 public:
  Loop(grpc::GenericStub* stub, const LoadSpec& spec) : stub_(stub), spec_(spec) {}

  LoadResult Run() {
    Clock::time_point now = Clock::now();
    measure_from_ = now + absl::ToChronoNanoseconds(spec_.warmup);
    measure_until_ = measure_from_ + absl::ToChronoNanoseconds(spec_.duration);
    chains_.resize(spec_.concurrency);
    running_ = spec_.concurrency;
    for (size_t i = 0; i < chains_.size(); ++i) {
      chains_[i].next = i;
      Issue(&chains_[i]);
    }
    all_done_.WaitForNotification();

    LoadResult result;
    std::vector<double> latencies;
    for (const Chain& chain : chains_) {
      latencies.insert(latencies.end(), chain.latencies_ms.begin(), chain.latencies_ms.end());
      result.errors += chain.errors;
    }
    result.first_error = first_error_;
    result.calls = static_cast<int64_t>(latencies.size());
    result.seconds = absl::ToDoubleSeconds(spec_.duration);
    result.throughput = result.calls / result.seconds;
    if (!latencies.empty()) {
      std::sort(latencies.begin(), latencies.end());
      result.p50_ms = latencies[latencies.size() / 2];
      result.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
    }
    return result;
  }

 private:
  struct Chain {
    size_t next = 0;
    std::unique_ptr<grpc::ClientContext> context;
    grpc::ByteBuffer response;
    Clock::time_point started;
    std::vector<double> latencies_ms;
    int64_t errors = 0;
  };

  void Issue(Chain* chain) {
    chain->context = std::make_unique<grpc::ClientContext>();
    for (const auto& [key, value] : spec_.metadata) chain->context->AddMetadata(key, value);
    chain->context->set_deadline(std::chrono::system_clock::now() +
                                 absl::ToChronoMilliseconds(spec_.deadline));
    const grpc::ByteBuffer& request = spec_.requests[chain->next++ % spec_.requests.size()];
    chain->started = Clock::now();
    stub_->UnaryCall(chain->context.get(), spec_.method, grpc::StubOptions(), &request,
                     &chain->response,
                     [this, chain](grpc::Status status) { Completed(chain, status); });
  }

  void Completed(Chain* chain, const grpc::Status& status) {
    Clock::time_point now = Clock::now();
    bool measured = chain->started >= measure_from_ && now <= measure_until_;
    if (!status.ok()) {
      ++chain->errors;
      absl::MutexLock lock(&mu_);
      if (first_error_.empty()) first_error_ = status.error_message();
    } else if (measured) {
      chain->latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - chain->started).count());
    }
    if (now < measure_until_) {
      Issue(chain);
      return;
    }
    if (--running_ == 0) all_done_.Notify();
  }

  grpc::GenericStub* const stub_;
  const LoadSpec& spec_;
  std::vector<Chain> chains_;
  Clock::time_point measure_from_;
  Clock::time_point measure_until_;
  std::atomic<int> running_{0};
  absl::Notification all_done_;
  absl::Mutex mu_;
  std::string first_error_;
};

}  // namespace

LoadResult RunClosedLoop(grpc::GenericStub* stub, const LoadSpec& spec) {
  return Loop(stub, spec).Run();
}

}  // namespace lookout::bench
