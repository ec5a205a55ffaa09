// A closed-loop load: `concurrency` chains each keep one unary call outstanding, issuing the
// next from the completion of the previous (callback API, no thread per chain). Calls are sent
// as prepared bytes, so the client does the same work whatever the target is.
#ifndef LOOKOUT_BENCH_GATEWAY_CLOSED_LOOP_H_
#define LOOKOUT_BENCH_GATEWAY_CLOSED_LOOP_H_

#include <grpcpp/generic/generic_stub.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace lookout::bench {

struct LoadSpec {
  std::string method;                      // full path
  std::vector<grpc::ByteBuffer> requests;  // sent in turn
  std::vector<std::pair<std::string, std::string>> metadata;
  int concurrency = 1;
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(5);
  absl::Duration deadline = absl::Seconds(10);
};

struct LoadResult {
  int64_t calls = 0;  // completed inside the measured window
  int64_t errors = 0;
  std::string first_error;
  double seconds = 0;
  double throughput = 0;  // calls per second
  double p50_ms = 0;
  double p99_ms = 0;
};

LoadResult RunClosedLoop(grpc::GenericStub* stub, const LoadSpec& spec);

}  // namespace lookout::bench

#endif  // LOOKOUT_BENCH_GATEWAY_CLOSED_LOOP_H_
