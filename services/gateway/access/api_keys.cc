#include "services/gateway/access/api_keys.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/logging.h"

namespace lookout::gateway {
namespace {

bool IsValidName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '-' && c != '.' && c != '@') return false;
  }
  return true;
}

bool IsSha256Hex(absl::string_view hash) {
  if (hash.size() != 64) return false;
  for (char c : hash) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

absl::Status LineError(absl::string_view origin, int line, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(origin, " line ", line, ": ", rule));
}

}  // namespace

ParsedApiKeys ParseApiKeyLines(absl::string_view text, absl::string_view origin) {
  ParsedApiKeys parsed;
  absl::flat_hash_set<std::string> names;
  absl::flat_hash_set<std::string> hashes;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, absl::ByAnyChar("\n;"))) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    ++parsed.key_lines;
    auto refuse = [&](absl::string_view rule) {
      parsed.refused.push_back(LineError(origin, line_number, rule));
    };
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() < 3 || fields.size() > 5) {
      refuse("expected: name role sha256 [rate:burst] [import=rows:burst]");
      continue;
    }
    ApiKeyRecord record;
    record.name = std::string(fields[0]);
    if (!IsValidName(record.name)) {
      refuse("name: 1-64 characters from letters, digits and _ - . @");
      continue;
    }
    std::optional<Role> role = ParseRole(fields[1]);
    if (!role.has_value()) {
      refuse("role: one of READER, EDITOR, ADMIN");
      continue;
    }
    record.role = *role;
    if (!IsSha256Hex(fields[2])) {
      refuse("sha256: 64 hex digits, the SHA-256 of the key (never the key itself)");
      continue;
    }
    record.sha256_hex = absl::AsciiStrToLower(fields[2]);
    std::string bad_limit;
    for (size_t i = 3; i < fields.size() && bad_limit.empty(); ++i) {
      absl::string_view field = fields[i];
      const bool import = absl::ConsumePrefix(&field, "import=");
      std::optional<RateLimit>& slot = import ? record.import_limit : record.rate_limit;
      if (slot.has_value()) {
        bad_limit = "expected: name role sha256 [rate:burst] [import=rows:burst], each limit once";
        break;
      }
      if (import && record.role == v1::ROLE_READER) {
        bad_limit = "import=: a READER key cannot import, so it has no import limit";
        break;
      }
      absl::StatusOr<RateLimit> limit = ParseRateLimit(field, import ? "rows" : "calls");
      if (!limit.ok()) {
        bad_limit = import ? absl::StrCat("import=", limit.status().message())
                           : std::string(limit.status().message());
        break;
      }
      slot = *limit;
    }
    if (!bad_limit.empty()) {
      refuse(bad_limit);
      continue;
    }
    if (names.contains(record.name)) {
      refuse(absl::StrCat("name \"", record.name, "\" repeats"));
      continue;
    }
    if (hashes.contains(record.sha256_hex)) {
      refuse("the same key hash appears twice");
      continue;
    }
    names.insert(record.name);
    hashes.insert(record.sha256_hex);
    parsed.records.push_back(std::move(record));
  }
  return parsed;
}

absl::StatusOr<std::vector<ApiKeyRecord>> ParseApiKeys(absl::string_view text,
                                                       absl::string_view origin) {
  ParsedApiKeys parsed = ParseApiKeyLines(text, origin);
  if (!parsed.refused.empty()) return parsed.refused.front();
  return std::move(parsed.records);
}

std::string FormatApiKeyLine(const ApiKeyRecord& record) {
  std::string line = absl::StrCat(record.name, " ", RoleName(record.role), " ", record.sha256_hex);
  if (record.rate_limit.has_value())
    absl::StrAppend(&line, " ", FormatRateLimit(*record.rate_limit));
  if (record.import_limit.has_value())
    absl::StrAppend(&line, " import=", FormatRateLimit(*record.import_limit));
  return line;
}

absl::StatusOr<NewApiKey> GenerateApiKey(absl::string_view name, absl::string_view role) {
  if (!IsValidName(name)) {
    return absl::InvalidArgumentError("name: 1-64 characters from letters, digits and _ - . @");
  }
  std::optional<Role> parsed = ParseRole(role);
  if (!parsed.has_value()) return absl::InvalidArgumentError("role: one of READER, EDITOR, ADMIN");
  NewApiKey out;
  // 192 random bits; the prefix makes a leaked key easy to recognise in logs and scanners.
  out.key = absl::StrCat("lk_", RandomHex(24));
  out.record.name = std::string(name);
  out.record.role = *parsed;
  out.record.sha256_hex = Sha256Hex(out.key);
  return out;
}

void ApiKeyRing::Replace(std::vector<ApiKeyRecord> records) {
  auto index = std::make_shared<Index>();
  for (ApiKeyRecord& record : records) {
    std::string hash = record.sha256_hex;
    (*index)[hash] = std::make_shared<const ApiKeyRecord>(std::move(record));
  }
  {
    absl::MutexLock lock(&mu_);
    by_hash_ = std::move(index);
  }
  // After the swap: a watch that begins from here on sees the new keys itself.
  absl::MutexLock lock(&watch_mu_);
  for (KeyWatch* watch : watches_) {
    if (!watch->on_revoked_) continue;
    std::shared_ptr<const ApiKeyRecord> record = FindHash(watch->sha256_hex_);
    if (record != nullptr && RoleSatisfies(record->role, watch->needed_)) continue;
    KeyWatch::OnRevoked on_revoked = std::move(watch->on_revoked_);
    watch->on_revoked_ = nullptr;
    on_revoked(record == nullptr ? std::nullopt : std::optional<Role>(record->role));
  }
}

std::shared_ptr<const ApiKeyRecord> ApiKeyRing::FindHash(const std::string& sha256_hex) const {
  absl::MutexLock lock(&mu_);
  auto it = by_hash_->find(sha256_hex);
  return it == by_hash_->end() ? nullptr : it->second;
}

bool ApiKeyRing::Contains(const std::string& sha256_hex) const {
  absl::MutexLock lock(&mu_);
  return by_hash_->contains(sha256_hex);
}

std::shared_ptr<const ApiKeyRecord> ApiKeyRing::Find(absl::string_view presented_key) const {
  if (presented_key.empty()) return nullptr;
  std::string hash = Sha256Hex(presented_key);
  std::shared_ptr<const Index> index;
  {
    absl::MutexLock lock(&mu_);
    index = by_hash_;
  }
  auto it = index->find(hash);
  return it == index->end() ? nullptr : it->second;
}

size_t ApiKeyRing::size() const {
  absl::MutexLock lock(&mu_);
  return by_hash_->size();
}

std::unique_ptr<KeyWatch> ApiKeyRing::Watch(const std::string& sha256_hex, Role needed,
                                            KeyWatch::OnRevoked on_revoked) const {
  std::unique_ptr<KeyWatch> watch(
      new KeyWatch(this, sha256_hex, needed, std::move(on_revoked)));
  absl::MutexLock lock(&watch_mu_);
  if (!Contains(sha256_hex)) {
    watch->revoked_at_start_ = true;
    watch->on_revoked_ = nullptr;
  }
  watches_.insert(watch.get());
  return watch;
}

size_t ApiKeyRing::watch_count() const {
  absl::MutexLock lock(&watch_mu_);
  return watches_.size();
}

KeyWatch::~KeyWatch() {
  absl::MutexLock lock(&ring_->watch_mu_);
  ring_->watches_.erase(this);
}

absl::Status ApiKeySource::Load() {
  Version version;
  absl::StatusOr<std::vector<ApiKeyRecord>> records = Read(/*strict=*/true, &version);
  if (!records.ok()) return records.status();
  Install(*std::move(records));
  checked_version_ = version;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ApiKeyRecord>> ApiKeySource::Read(bool strict, Version* version) {
  std::vector<ApiKeyRecord> records;
  *version = {-1, -1};
  if (!file_path_.empty()) {
    struct stat info {};
    if (stat(file_path_.c_str(), &info) != 0) {
      return absl::NotFoundError(absl::StrCat("keys file ", file_path_, " cannot be read"));
    }
    *version = {static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec,
                static_cast<int64_t>(info.st_size)};
    std::ifstream in(file_path_);
    if (!in) {
      return absl::PermissionDeniedError(absl::StrCat("keys file ", file_path_, " cannot be read"));
    }
    std::stringstream text;
    text << in.rdbuf();
    ParsedApiKeys parsed = ParseApiKeyLines(text.str(), file_path_);
    if (strict && !parsed.refused.empty()) return parsed.refused.front();
    if (!strict && parsed.key_lines == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("keys file ", file_path_, " has no key line (empty or only comments)"));
    }
    for (const absl::Status& refused : parsed.refused) {
      LogError("keys file line refused; the key on it is not valid",
               {{"error", std::string(refused.message())}});
    }
    CountError("bad_line", static_cast<int64_t>(parsed.refused.size()));
    records = std::move(parsed.records);
  }
  if (!inline_text_.empty()) {
    absl::StatusOr<std::vector<ApiKeyRecord>> inline_records =
        ParseApiKeys(inline_text_, "LOOKOUT_API_KEYS");
    if (!inline_records.ok()) return inline_records.status();
    for (ApiKeyRecord& record : *inline_records) {
      for (auto it = records.begin(); it != records.end(); ++it) {
        if (it->name != record.name && it->sha256_hex != record.sha256_hex) continue;
        absl::Status clash = absl::InvalidArgumentError(
            absl::StrCat("key \"", record.name, "\" is configured both in the file and inline"));
        if (strict) return clash;
        // On reload the file's line is the one refused: the inline key stays as it started.
        LogError("keys file line refused", {{"error", std::string(clash.message())}});
        CountError("bad_line");
        records.erase(it);
        break;
      }
      records.push_back(std::move(record));
    }
  }
  return records;
}

absl::Status ApiKeySource::ReloadIfChanged() {
  if (file_path_.empty()) return absl::OkStatus();
  struct stat info {};
  if (stat(file_path_.c_str(), &info) != 0) {
    // A file that vanished keeps the keys in force: deleting by accident must not lock everyone
    // out, and revoking is done by removing the key's line.
    checked_version_ = {-1, -1};
    if (missing_reported_) return absl::OkStatus();
    missing_reported_ = true;
    CountError("missing");
    absl::Status missing = absl::NotFoundError(
        absl::StrCat("keys file ", file_path_, " is gone; the previous keys stay in force"));
    LogError("keys file not reloaded", {{"error", missing.ToString()}});
    return missing;
  }
  missing_reported_ = false;
  Version version{static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec,
                  static_cast<int64_t>(info.st_size)};
  if (version == checked_version_) return absl::OkStatus();
  checked_version_ = version;
  Version read_version;
  absl::StatusOr<std::vector<ApiKeyRecord>> records = Read(/*strict=*/false, &read_version);
  if (!records.ok()) {
    CountError(records.status().code() == absl::StatusCode::kFailedPrecondition ? "empty"
               : records.status().code() == absl::StatusCode::kNotFound         ? "missing"
                                                                                : "unreadable");
    LogError("keys file not reloaded; the previous keys stay in force",
             {{"error", records.status().ToString()}});
    return records.status();
  }
  Install(*std::move(records));
  LogInfo("keys file reloaded", {{"keys", absl::StrCat(ring_->size())}});
  return absl::OkStatus();
}

void ApiKeySource::Install(std::vector<ApiKeyRecord> records) {
  const size_t count = records.size();
  ring_->Replace(std::move(records));
  if (metrics_ != nullptr) {
    metrics_->SetGauge(kKeysInForceMetric, "API keys in force.", {}, static_cast<double>(count));
  }
}

void ApiKeySource::CountError(absl::string_view reason, int64_t count) {
  if (metrics_ == nullptr || count <= 0) return;
  metrics_->AddToCounter(kKeysReloadErrorsMetric,
                         "Keys-file problems met on reload, by reason (bad_line: one refused "
                         "line; empty, missing, unreadable: a reload refused, previous keys kept).",
                         {{"reason", std::string(reason)}}, static_cast<double>(count));
}

}  // namespace lookout::gateway
