// API keys: who may call the gateway. A key is configured as a name, a role and the SHA-256 of
// the key (never the key itself), one per line:
//
//   # name   role    sha256-of-key                                                     [rate:burst]
//   alice    READER  4f1c...e9                                                         20:40
//
// in a keys file and/or an environment variable (lines separated by newlines or ';'). The
// optional last column overrides the role's rate limit for that key.
#ifndef LOOKOUT_SERVICES_GATEWAY_API_KEYS_H_
#define LOOKOUT_SERVICES_GATEWAY_API_KEYS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/gateway/rate_limit.h"
#include "services/gateway/role.h"

namespace lookout::gateway {

struct ApiKeyRecord {
  std::string name;
  Role role = v1::ROLE_UNSPECIFIED;
  std::string sha256_hex;  // lower case, 64 hex digits
  std::optional<RateLimit> rate_limit;
};

// Parses keys-file text; errors name the line. Names must be unique, hashes too.
absl::StatusOr<std::vector<ApiKeyRecord>> ParseApiKeys(absl::string_view text,
                                                       absl::string_view origin);

// The keys-file line for a record (the format ParseApiKeys reads).
std::string FormatApiKeyLine(const ApiKeyRecord& record);

// A new random key ("lk_" and 48 hex digits) and its record for `name` and `role`.
struct NewApiKey {
  std::string key;
  ApiKeyRecord record;
};
absl::StatusOr<NewApiKey> GenerateApiKey(absl::string_view name, absl::string_view role);

// The keys in force, replaced as a whole on reload so a lookup never sees half a file.
class ApiKeyRing {
 public:
  void Replace(std::vector<ApiKeyRecord> records);
  // The record whose hash matches the presented key, or nullptr. Keys are looked up by their
  // SHA-256, so the stored value is never compared with the secret itself.
  std::shared_ptr<const ApiKeyRecord> Find(absl::string_view presented_key) const;
  size_t size() const;

 private:
  using Index = absl::flat_hash_map<std::string, std::shared_ptr<const ApiKeyRecord>>;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Index> by_hash_ ABSL_GUARDED_BY(mu_) = std::make_shared<Index>();
};

// Where keys come from: an optional file (re-read when it changes, so removing a line revokes
// the key without a restart) and optional inline text from the environment.
class ApiKeySource {
 public:
  ApiKeySource(std::string file_path, std::string inline_text, ApiKeyRing* ring)
      : file_path_(std::move(file_path)), inline_text_(std::move(inline_text)), ring_(ring) {}

  // Loads both sources into the ring. On error the ring keeps its previous keys.
  absl::Status Load();
  // Reloads when the file's modification time or size changed since the last load.
  absl::Status ReloadIfChanged();

 private:
  const std::string file_path_;
  const std::string inline_text_;
  ApiKeyRing* const ring_;
  // The file's (mtime ns, size) at the last successful load.
  std::pair<int64_t, int64_t> loaded_version_{-1, -1};
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_API_KEYS_H_
