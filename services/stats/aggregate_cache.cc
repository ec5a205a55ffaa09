#include "services/stats/aggregate_cache.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace lookout::stats {

using ::lookout::stats::v1::AggregateEventsRequest;
using ::lookout::stats::v1::AggregateEventsResponse;

std::string AggregateCache::RequestDigest(const AggregateEventsRequest& normalized) {
  // Deterministic serialization: equal messages give equal bytes within one build.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    normalized.SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

std::string AggregateCache::Key(const std::string& digest, const LogPosition& position) {
  // The log id is hex (or empty), so it cannot forge a ':' into the key.
  return absl::StrCat(kAggregateKeyPrefix, digest, ":", position.change_log_id, ":",
                      position.sequence);
}

std::optional<AggregateEventsResponse> AggregateCache::Get(const std::string& digest,
                                                           const LogPosition& position) {
  if (redis_ == nullptr) return std::nullopt;
  absl::StatusOr<std::optional<std::string>> value = redis_->Get(Key(digest, position));
  if (!value.ok() || !value->has_value()) return std::nullopt;
  AggregateEventsResponse answer;
  // A value that does not parse (another version wrote it) is a miss.
  if (!answer.ParseFromString(**value) || answer.as_of_sequence() != position.sequence ||
      answer.as_of_change_log_id() != position.change_log_id) {
    return std::nullopt;
  }
  return answer;
}

void AggregateCache::Put(const std::string& digest, const AggregateEventsResponse& answer) {
  if (redis_ == nullptr) return;
  // Best effort: a failed write only costs a later recomputation.
  redis_
      ->Set(Key(digest, LogPosition{answer.as_of_change_log_id(), answer.as_of_sequence()}),
            answer.SerializeAsString(), JitteredTtl(ttl_))
      .IgnoreError();
}

}  // namespace lookout::stats
