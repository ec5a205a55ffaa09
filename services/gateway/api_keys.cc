#include "services/gateway/api_keys.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"

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

absl::StatusOr<std::vector<ApiKeyRecord>> ParseApiKeys(absl::string_view text,
                                                       absl::string_view origin) {
  std::vector<ApiKeyRecord> records;
  absl::flat_hash_set<std::string> names;
  absl::flat_hash_set<std::string> hashes;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, absl::ByAnyChar("\n;"))) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() < 3 || fields.size() > 4) {
      return LineError(origin, line_number, "expected: name role sha256 [rate:burst]");
    }
    ApiKeyRecord record;
    record.name = std::string(fields[0]);
    if (!IsValidName(record.name)) {
      return LineError(origin, line_number,
                       "name: 1-64 characters from letters, digits and _ - . @");
    }
    std::optional<Role> role = ParseRole(fields[1]);
    if (!role.has_value()) {
      return LineError(origin, line_number, "role: one of READER, EDITOR, ADMIN");
    }
    record.role = *role;
    if (!IsSha256Hex(fields[2])) {
      return LineError(origin, line_number,
                       "sha256: 64 hex digits, the SHA-256 of the key (never the key itself)");
    }
    record.sha256_hex = absl::AsciiStrToLower(fields[2]);
    if (fields.size() == 4) {
      absl::StatusOr<RateLimit> limit = ParseRateLimit(fields[3]);
      if (!limit.ok()) return LineError(origin, line_number, limit.status().message());
      record.rate_limit = *limit;
    }
    if (!names.insert(record.name).second) {
      return LineError(origin, line_number, absl::StrCat("name \"", record.name, "\" repeats"));
    }
    if (!hashes.insert(record.sha256_hex).second) {
      return LineError(origin, line_number, "the same key hash appears twice");
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string FormatApiKeyLine(const ApiKeyRecord& record) {
  std::string line = absl::StrCat(record.name, " ", RoleName(record.role), " ", record.sha256_hex);
  if (record.rate_limit.has_value())
    absl::StrAppend(&line, " ", FormatRateLimit(*record.rate_limit));
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
  absl::MutexLock lock(&mu_);
  by_hash_ = std::move(index);
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

absl::Status ApiKeySource::Load() {
  std::vector<ApiKeyRecord> records;
  std::pair<int64_t, int64_t> version{-1, -1};
  if (!file_path_.empty()) {
    struct stat info {};
    if (stat(file_path_.c_str(), &info) != 0) {
      return absl::NotFoundError(absl::StrCat("keys file ", file_path_, " cannot be read"));
    }
    version = {static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec,
               static_cast<int64_t>(info.st_size)};
    std::ifstream in(file_path_);
    if (!in) return absl::NotFoundError(absl::StrCat("keys file ", file_path_, " cannot be read"));
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<std::vector<ApiKeyRecord>> from_file = ParseApiKeys(text.str(), file_path_);
    if (!from_file.ok()) return from_file.status();
    records = std::move(*from_file);
  }
  if (!inline_text_.empty()) {
    absl::StatusOr<std::vector<ApiKeyRecord>> inline_records =
        ParseApiKeys(inline_text_, "LOOKOUT_API_KEYS");
    if (!inline_records.ok()) return inline_records.status();
    for (ApiKeyRecord& record : *inline_records) {
      for (const ApiKeyRecord& existing : records) {
        if (existing.name == record.name || existing.sha256_hex == record.sha256_hex) {
          return absl::InvalidArgumentError(
              absl::StrCat("key \"", record.name, "\" is configured both in the file and inline"));
        }
      }
      records.push_back(std::move(record));
    }
  }
  ring_->Replace(std::move(records));
  loaded_version_ = version;
  return absl::OkStatus();
}

absl::Status ApiKeySource::ReloadIfChanged() {
  if (file_path_.empty()) return absl::OkStatus();
  struct stat info {};
  // A file that vanished keeps the keys in force: deleting by accident must not lock everyone
  // out, and revoking is done by removing the key's line.
  if (stat(file_path_.c_str(), &info) != 0) return absl::OkStatus();
  std::pair<int64_t, int64_t> version{
      static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec,
      static_cast<int64_t>(info.st_size)};
  if (version == loaded_version_) return absl::OkStatus();
  return Load();
}

}  // namespace lookout::gateway
