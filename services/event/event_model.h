// Small domain rules about events shared by the manager and the importer: ids, etags, derived
// fields, and what counts as "the same payload" for idempotency and upserts.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_MODEL_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_MODEL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::event {

// "evt_" + 16 lower-case hex digits: creation time, then a counter; unique, and increasing
// within a process.
std::string NewEventId();
// An event id given by a client: required, at most 64 bytes. The format is not checked: an id
// the service never issued is simply NOT_FOUND.
absl::Status ValidateEventId(absl::string_view field, absl::string_view id);
// 16 random hex digits; a new one on every write, so any change is visible to etag checks.
std::string NewEtag();

// Clears the fields a client cannot set (id, fatalities, create/update time, sequence, etag).
void ClearOutputOnlyFields(lookout::event::v1::Event* event);

// The best KILLED count (0 without one).
int64_t Fatalities(const lookout::event::v1::Event& event);

// The client-settable content only, serialized deterministically: equal for two events exactly
// when a client sent the same thing.
std::string PayloadBytes(const lookout::event::v1::Event& event);
// SHA-256 of PayloadBytes, for request_id idempotency records.
std::string PayloadHash(const lookout::event::v1::Event& event);
bool SamePayload(const lookout::event::v1::Event& a, const lookout::event::v1::Event& b);

// Turns a validated client payload into a new stored event: id, etag, both times, fatalities.
void StampNew(absl::Time now, lookout::event::v1::Event* event);
// Stamps a changed event: a fresh etag, update_time and fatalities; id and create_time stay.
void StampUpdate(absl::Time now, lookout::event::v1::Event* event);

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_MODEL_H_
