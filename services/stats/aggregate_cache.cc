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

std::string AggregateCache::Key(const std::string& digest, int64_t sequence) {
  return absl::StrCat(kAggregateKeyPrefix, digest, ":", sequence);
}

std::optional<AggregateEventsResponse> AggregateCache::Get(const std::string& digest,
                                                           int64_t sequence) {
  if (redis_ == nullptr) return std::nullopt;
  absl::StatusOr<std::optional<std::string>> value = redis_->Get(Key(digest, sequence));
  if (!value.ok() || !value->has_value()) return std::nullopt;
  AggregateEventsResponse answer;
  // A value that does not parse (another version wrote it) is a miss.
  if (!answer.ParseFromString(**value) || answer.as_of_sequence() != sequence) return std::nullopt;
  return answer;
}

void AggregateCache::Put(const std::string& digest, const AggregateEventsResponse& answer) {
  if (redis_ == nullptr) return;
  // Best effort: a failed write only costs a later recomputation.
  redis_->Set(Key(digest, answer.as_of_sequence()), answer.SerializeAsString(), JitteredTtl(ttl_))
      .IgnoreError();
}

}  // namespace lookout::stats
