// Which top-level fields of a protobuf message a change altered, for histories that show what a
// revision changed (events, observations, and any other record kept as a message).
#ifndef LOOKOUT_COMMON_FIELD_DIFF_H_
#define LOOKOUT_COMMON_FIELD_DIFF_H_

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/types/span.h"

namespace lookout {

// The names of the top-level fields of `after` whose value differs from `before` (null: none, a
// creation, so every field set), in field order, leaving out the fields numbered in `ignored`
// (bookkeeping that changes on every write). `before` must be of the same type as `after`.
std::vector<std::string> ChangedFieldPaths(const google::protobuf::Message* before,
                                           const google::protobuf::Message& after,
                                           absl::Span<const int> ignored = {});

}  // namespace lookout

#endif  // LOOKOUT_COMMON_FIELD_DIFF_H_
