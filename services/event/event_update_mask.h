// UpdateEvent's field mask: which paths a client may name, and how they merge into the stored
// event. Output-only fields are refused rather than ignored, so a client never believes it
// changed an id, a time or an etag.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_UPDATE_MASK_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_UPDATE_MASK_H_

#include "absl/status/status.h"
#include "google/protobuf/field_mask.pb.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::event {

// INVALID_ARGUMENT naming "update_mask" (empty) or "update_mask.paths[i]" (unknown or output
// only). Paths are proto field names (snake_case), as they travel in binary FieldMasks.
absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask);

// Copies the fields the (validated) mask names from `from` into `to`. A message path such as
// "location" replaces the whole message; "location.latitude" only that field (clearing it when
// `from` leaves it out).
void ApplyUpdateMask(const google::protobuf::FieldMask& mask, const lookout::event::v1::Event& from,
                     lookout::event::v1::Event* to);

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_UPDATE_MASK_H_
