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

enum class ExportFormat { kCsv, kJsonl };

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

 private:
  ApiClient* client_;
  ExportSettings settings_;
  std::ostream* out_;
  ActorDirectory actors_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_EXPORTER_H_
