#include "services/event/event_model.h"

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/validation.h"
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

std::string NewEventId() {
  // High 40 bits: milliseconds since 2020 (good for 34 years); low 24: a random start within the
  // millisecond, then +1 per id. Ids made one after another sort together, so each index keyed
  // by event id grows at its end instead of dirtying a random page per insert (a commit writes
  // every page it dirtied to the WAL). Within a process every id is larger than the one before;
  // the random low bits keep a restarted process apart even if the clock stepped back.
  static std::atomic<uint64_t> last{0};
  constexpr int64_t kEpoch2020Ms = 1577836800000;
  const uint64_t now_ms = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()) - kEpoch2020Ms);
  thread_local absl::BitGen bits;
  const uint64_t fresh = (now_ms << 24) | absl::Uniform<uint64_t>(bits, 0, uint64_t{1} << 24);
  uint64_t previous = last.load(std::memory_order_relaxed);
  uint64_t next = 0;
  do {
    next = std::max(fresh, previous + 1);
  } while (!last.compare_exchange_weak(previous, next, std::memory_order_relaxed));
  return absl::StrCat("evt_", absl::Hex(next, absl::kZeroPad16));
}

absl::Status ValidateEventId(absl::string_view field, absl::string_view id) {
  return validation::CheckText(field, id, validation::kMaxIdLength, true);
}

std::string NewEtag() { return RandomIdHex(8); }

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
