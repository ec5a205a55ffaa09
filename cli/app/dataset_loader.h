// Loads a dataset (import/dataset_format.h) so that loading it again changes nothing: actors
// are looked up by name (a thousand names a call) before being created, relationships and
// figures are compared with what is stored before being added, events are upserted by external
// id, and every create carries a request id derived from the dataset, the entry and its content.
// The events take the import's path (ImportPipeline): parallel streams, sent again when a rate
// limit refuses them, rejections reported in the dataset's order.
#ifndef LOOKOUT_CLI_APP_DATASET_LOADER_H_
#define LOOKOUT_CLI_APP_DATASET_LOADER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "cli/app/api_client.h"
#include "cli/import/dataset_format.h"

namespace lookout::cli {

struct LoadTally {
  int64_t actors_created = 0;
  int64_t actors_found = 0;
  int64_t relationships_created = 0;
  int64_t relationships_found = 0;
  int64_t events_created = 0;
  int64_t events_updated = 0;
  int64_t events_unchanged = 0;
  int64_t events_rejected = 0;
  int64_t figures_created = 0;
  int64_t figures_found = 0;
};

// A non-OK status stops the load (what was written before stays). Rejected events are listed
// in `rejections` ("events[3]: reason"). `reason` is kept with every actor, relationship and
// event change the load makes (the services' change logs; figures have none).
absl::Status LoadDataset(ApiClient* client, const Dataset& dataset, LoadTally* tally,
                         std::vector<std::string>* rejections, const std::string& reason = "");

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_DATASET_LOADER_H_
