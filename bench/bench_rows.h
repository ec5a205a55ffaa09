// Synthetic event rows for the benchmarks. The gRPC load generator and the raw SQLite baseline
// build their rows here, so both write exactly the same content (same sizes, same index and
// full-text entries) and their rates can be compared.
#ifndef LOOKOUT_BENCH_BENCH_ROWS_H_
#define LOOKOUT_BENCH_BENCH_ROWS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::bench {

// A valid client payload for row `index` (deterministic in its arguments), naming `actor_id`
// as its primary participant. When `external_id_tag` is not empty the row carries the external
// id ("BENCH", "<tag>-<index>"), unique per tag and index, as imported ACLED rows carry theirs.
lookout::event::v1::Event MakeBenchEvent(int64_t index, absl::string_view actor_id,
                                         absl::string_view external_id_tag);

}  // namespace lookout::bench

#endif  // LOOKOUT_BENCH_BENCH_ROWS_H_
