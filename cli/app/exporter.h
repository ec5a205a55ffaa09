// Streams every event matching a filter, paging ListEvents to the end (oldest first, so the
// order is stable), as CSV (event_csv.h) or Lookout JSONL (import/jsonl_format.h).
#ifndef LOOKOUT_CLI_APP_EXPORTER_H_
#define LOOKOUT_CLI_APP_EXPORTER_H_

#include <cstdint>
#include <ostream>

#include "absl/status/status.h"
#include "cli/app/actor_directory.h"
#include "cli/app/api_client.h"
#include "cli/app/progress.h"
#include "google/protobuf/timestamp.pb.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

// kAcled, kUcdp and kGdelt write the source formats (cli/export/source_rows.h).
enum class ExportFormat { kCsv, kJsonl, kAcled, kUcdp, kGdelt };

struct ExportSettings {
  ExportFormat format = ExportFormat::kJsonl;
  int page_size = 500;
  // Export the events as they were then (ListEventsRequest's as_of_sequence and as_of_time);
  // neither set means now.
  int64_t as_of_sequence = 0;
  google::protobuf::Timestamp as_of_time;
  bool has_as_of_time = false;
};

class Exporter {
 public:
  Exporter(ApiClient* client, ExportSettings settings, std::ostream* out)
      : client_(client), settings_(settings), out_(out), actors_(client) {}

  // `progress` may be null; its total is set from the first page's total_size.
  absl::Status Export(const lookout::event::v1::EventFilter& filter,
                      const std::function<Progress*(int64_t total)>& progress, int64_t* count);

  // Events the format cannot hold (UCDP: no organised violence, or at sea), left out of the
  // last Export; skipped_at_sea() of them are at sea.
  int64_t skipped() const { return skipped_; }
  int64_t skipped_at_sea() const { return skipped_at_sea_; }

 private:
  ApiClient* client_;
  ExportSettings settings_;
  std::ostream* out_;
  ActorDirectory actors_;
  int64_t skipped_ = 0;
  int64_t skipped_at_sea_ = 0;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_EXPORTER_H_
