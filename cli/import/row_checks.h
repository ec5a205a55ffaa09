// Limits an imported value must respect so that a row the parser accepts is not rejected by the
// event service for a reason the file could have told us (lengths, counts, UTF-8).
#ifndef LOOKOUT_CLI_IMPORT_ROW_CHECKS_H_
#define LOOKOUT_CLI_IMPORT_ROW_CHECKS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lookout::cli {

inline constexpr size_t kMaxNameBytes = 200;  // actor names, source names, places
inline constexpr size_t kMaxNotesBytes = 10000;
inline constexpr size_t kMaxTagBytes = 100;
inline constexpr size_t kMaxUrlBytes = 2048;
inline constexpr size_t kMaxListEntries = 100;  // sources, tags, participants

// INVALID_ARGUMENT naming `column` when `value` is longer than `max_bytes`.
absl::Status CheckLength(absl::string_view column, absl::string_view value, size_t max_bytes);

// INVALID_ARGUMENT naming `column` when the list has too many entries or one is too long.
absl::Status CheckList(absl::string_view column, const std::vector<std::string>& values,
                       size_t max_entry_bytes);

// The first field that is not valid UTF-8, named by `names[i]` (or "field <i+1>").
absl::Status CheckUtf8(const std::vector<std::string>& fields,
                       const std::vector<std::string>& names);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_ROW_CHECKS_H_
