#include "common/field_diff.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <memory>

namespace lookout {

std::vector<std::string> ChangedFieldPaths(const google::protobuf::Message* before,
                                           const google::protobuf::Message& after,
                                           absl::Span<const int> ignored) {
  std::vector<std::string> paths;
  const google::protobuf::Descriptor* descriptor = after.GetDescriptor();
  // A creation compares with the type's empty message, so every field set counts.
  std::unique_ptr<google::protobuf::Message> empty;
  if (before == nullptr) {
    empty.reset(after.New());
    before = empty.get();
  }
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (std::find(ignored.begin(), ignored.end(), field->number()) != ignored.end()) continue;
    google::protobuf::util::MessageDifferencer differencer;
    // Compares this one field: every other field is ignored.
    for (int j = 0; j < descriptor->field_count(); ++j) {
      if (j != i) differencer.IgnoreField(descriptor->field(j));
    }
    if (!differencer.Compare(*before, after)) paths.push_back(field->name());
  }
  return paths;
}

}  // namespace lookout
