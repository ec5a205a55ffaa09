#include "services/stats/string_dictionary.h"

namespace lookout::stats {

uint32_t StringDictionary::Intern(absl::string_view value) {
  auto it = codes_.find(value);
  if (it != codes_.end()) return it->second;
  const uint32_t code = size();
  values_.emplace_back(value);
  codes_.emplace(std::string(value), code);
  return code;
}

std::optional<uint32_t> StringDictionary::Find(absl::string_view value) const {
  auto it = codes_.find(value);
  if (it == codes_.end()) return std::nullopt;
  return it->second;
}

}  // namespace lookout::stats
