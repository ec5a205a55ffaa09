#include "services/event/event_model.h"

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::Event;

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(since_epoch);
  out->set_seconds(seconds);
  out->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
}

}  // namespace

std::string NewEventId() { return absl::StrCat("evt_", RandomHex(8)); }

std::string NewEtag() { return RandomHex(8); }

void ClearOutputOnlyFields(Event* event) {
  event->clear_id();
  event->clear_fatalities();
  event->clear_create_time();
  event->clear_update_time();
  event->clear_sequence();
  event->clear_etag();
}

int64_t Fatalities(const Event& event) {
  for (const v1::Casualty& casualty : event.casualties()) {
    if (casualty.kind() == v1::CASUALTY_KIND_KILLED) return casualty.count().best();
  }
  return 0;
}

std::string PayloadBytes(const Event& event) {
  Event payload = event;
  ClearOutputOnlyFields(&payload);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    // Deterministic, so equal messages give equal bytes (they have no maps today; this keeps
    // the promise if one is added).
    coded.SetSerializationDeterministic(true);
    payload.SerializeToCodedStream(&coded);
  }
  return bytes;
}

std::string PayloadHash(const Event& event) { return Sha256Hex(PayloadBytes(event)); }

bool SamePayload(const Event& a, const Event& b) { return PayloadBytes(a) == PayloadBytes(b); }

void StampNew(absl::Time now, Event* event) {
  event->set_id(NewEventId());
  event->set_etag(NewEtag());
  SetTimestamp(now, event->mutable_create_time());
  SetTimestamp(now, event->mutable_update_time());
  event->set_fatalities(Fatalities(*event));
  event->clear_sequence();
}

void StampUpdate(absl::Time now, Event* event) {
  event->set_etag(NewEtag());
  SetTimestamp(now, event->mutable_update_time());
  event->set_fatalities(Fatalities(*event));
}

}  // namespace lookout::event
