// CAMEO event codes (GDELT's EventRootCode and EventCode) to Lookout's event types, following
// DOMAIN.md's table, with the sub-event type read from the finer code where CAMEO says more
// (023 appeal for aid -> "Request for aid", 057 sign an agreement -> "Agreement signed").
#ifndef LOOKOUT_CLI_IMPORT_CAMEO_H_
#define LOOKOUT_CLI_IMPORT_CAMEO_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

struct CameoMapping {
  lookout::event::v1::EventType type = lookout::event::v1::EVENT_TYPE_UNSPECIFIED;
  std::string sub_event_type;
};

// `root` is the two-digit root code with its leading zero ("04"); `code` the full code
// ("0431"), which may be empty. nullopt when `root` is not 01-20.
std::optional<CameoMapping> MapCameo(absl::string_view root, absl::string_view code);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_CAMEO_H_
