// API keys: who may call the gateway. A key is configured as a name, a role and the SHA-256 of
// the key (never the key itself), one per line:
//
//   # name   role    sha256-of-key          [rate:burst] [import=rows:burst]
//   alice    READER  4f1c...e9              20:40
//   loader   EDITOR  9a0b...17              import=5000:50000
//
// in a keys file and/or an environment variable (lines separated by newlines or ';'). The
// optional columns override the role's call limit and import limit (rows) for that key.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_API_KEYS_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_API_KEYS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "services/gateway/access/rate_limit.h"
#include "services/gateway/access/role.h"

namespace lookout::gateway {

struct ApiKeyRecord {
  std::string name;
  Role role = v1::ROLE_UNSPECIFIED;
  std::string sha256_hex;  // lower case, 64 hex digits
  std::optional<RateLimit> rate_limit;
  std::optional<RateLimit> import_limit;  // EDITOR and ADMIN only
};

// Keys-file text, line by line: the good lines, and an error naming each refused line (a line
// that breaks a rule, or repeats a name or a hash of an earlier line).
struct ParsedApiKeys {
  std::vector<ApiKeyRecord> records;
  std::vector<absl::Status> refused;
  int key_lines = 0;  // lines that are neither blank nor comments
};
ParsedApiKeys ParseApiKeyLines(absl::string_view text, absl::string_view origin);

// Parses keys-file text whole; the first refused line is the error. Names must be unique,
// hashes too.
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

class ApiKeyRing;

// A watch on one key while a long call (a stream) uses it: `on_revoked` runs once, on the thread
// that replaced the keys, when a reload drops the key (with nullopt) or leaves it a role below
// `needed` (with that role). Destroying the watch unregisters it and waits for a run in
// progress, so what the callback touches may go right after.
class KeyWatch {
 public:
  using OnRevoked = std::function<void(std::optional<Role> role_now)>;

  ~KeyWatch();
  KeyWatch(const KeyWatch&) = delete;
  KeyWatch& operator=(const KeyWatch&) = delete;
  // True when the key was already gone as the watch began (the callback never runs then).
  bool revoked_at_start() const { return revoked_at_start_; }

 private:
  friend class ApiKeyRing;
  KeyWatch(const ApiKeyRing* ring, std::string sha256_hex, Role needed, OnRevoked on_revoked)
      : ring_(ring),
        sha256_hex_(std::move(sha256_hex)),
        needed_(needed),
        on_revoked_(std::move(on_revoked)) {}

  const ApiKeyRing* const ring_;
  const std::string sha256_hex_;
  const Role needed_;
  OnRevoked on_revoked_;  // cleared once run
  bool revoked_at_start_ = false;
};

// The keys in force, replaced as a whole on reload so a lookup never sees half a file.
class ApiKeyRing {
 public:
  // Installs `records`, then runs the watches of keys no longer among them, or no longer
  // holding the role their watch needs.
  void Replace(std::vector<ApiKeyRecord> records);
  // The record whose hash matches the presented key, or nullptr. Keys are looked up by their
  // SHA-256, so the stored value is never compared with the secret itself.
  std::shared_ptr<const ApiKeyRecord> Find(absl::string_view presented_key) const;
  size_t size() const;

  // Watches the key with this hash (see KeyWatch). `on_revoked` must not block, nor destroy a
  // watch itself.
  std::unique_ptr<KeyWatch> Watch(const std::string& sha256_hex, Role needed,
                                  KeyWatch::OnRevoked on_revoked) const;
  // Streams being watched, for tests.
  size_t watch_count() const;

 private:
  friend class KeyWatch;
  using Index = absl::flat_hash_map<std::string, std::shared_ptr<const ApiKeyRecord>>;
  bool Contains(const std::string& sha256_hex) const;
  std::shared_ptr<const ApiKeyRecord> FindHash(const std::string& sha256_hex) const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const Index> by_hash_ ABSL_GUARDED_BY(mu_) = std::make_shared<Index>();
  // Held while watches run, so a watch being destroyed waits for its callback to return.
  mutable absl::Mutex watch_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::flat_hash_set<KeyWatch*> watches_ ABSL_GUARDED_BY(watch_mu_);
};

// Where keys come from: an optional file (re-read when it changes, so removing a line revokes
// the key without a restart) and optional inline text from the environment.
//
// Reload rules (start-up is stricter: any bad line, or a missing file, is an error):
// - the good lines apply; a bad line is refused alone (logged, counted as reason "bad_line"),
//   so a key whose line was removed or broken never stays valid;
// - a file with no key line at all (empty: a rewrite caught half way, a full disk), one that
//   vanished or cannot be read keeps the previous keys (logged, counted as "empty", "missing",
//   "unreadable"): that is a broken file, not a decision to revoke everyone.
// Errors are logged once per change of the file, not at every check.
class ApiKeySource {
 public:
  // `metrics` may be null.
  ApiKeySource(std::string file_path, std::string inline_text, ApiKeyRing* ring,
               MetricsRegistry* metrics = nullptr)
      : file_path_(std::move(file_path)),
        inline_text_(std::move(inline_text)),
        ring_(ring),
        metrics_(metrics) {}

  // Loads both sources into the ring, strictly. On error the ring keeps its previous keys.
  absl::Status Load();
  // Reloads when the file's modification time or size changed since the last check. OK when the
  // keys are as the file says (bad lines left out, each logged and counted); otherwise the
  // error, and the previous keys stay.
  absl::Status ReloadIfChanged();

 private:
  using Version = std::pair<int64_t, int64_t>;  // (mtime ns, size); (-1, -1) for no file
  // Reads the file and the inline keys; `strict` refuses the whole text for one bad line.
  absl::StatusOr<std::vector<ApiKeyRecord>> Read(bool strict, Version* version);
  void CountError(absl::string_view reason, int64_t count = 1);
  void Install(std::vector<ApiKeyRecord> records);

  const std::string file_path_;
  const std::string inline_text_;
  ApiKeyRing* const ring_;
  MetricsRegistry* const metrics_;
  // The file's version at the last check, loaded or not.
  Version checked_version_{-1, -1};
  bool missing_reported_ = false;
};

// Metrics ApiKeySource keeps.
inline constexpr char kKeysReloadErrorsMetric[] = "lookout_gateway_keys_reload_errors_total";
inline constexpr char kKeysInForceMetric[] = "lookout_gateway_api_keys";

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_API_KEYS_H_
