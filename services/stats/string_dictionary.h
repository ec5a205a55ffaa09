// Dictionary encoding for the read model's string columns: each distinct string gets a small
// integer code once, and columns store codes. Codes are never reused, so a code held by a
// query stays valid for as long as the dictionary lives.
#ifndef LOOKOUT_SERVICES_STATS_STRING_DICTIONARY_H_
#define LOOKOUT_SERVICES_STATS_STRING_DICTIONARY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace lookout::stats {

class StringDictionary {
 public:
  // The code of `value`, adding it when new.
  uint32_t Intern(absl::string_view value);
  std::optional<uint32_t> Find(absl::string_view value) const;
  const std::string& Value(uint32_t code) const { return values_[code]; }
  uint32_t size() const { return static_cast<uint32_t>(values_.size()); }

 private:
  std::vector<std::string> values_;
  absl::flat_hash_map<std::string, uint32_t> codes_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_STRING_DICTIONARY_H_
