#include "common/change_history.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "google/protobuf/util/message_differencer.h"

namespace lookout {
absl::Status ValidateChangeReason(absl::string_view field, absl::string_view reason) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(field, reason, kMaxChangeReasonLength, false));
  for (unsigned char c : reason) {
    if (c < 0x20 || c == 0x7f) {
      return errors::InvalidField(field,
                                  absl::StrCat("must not contain control characters (found U+00",
                                               absl::Hex(c, absl::kZeroPad2), ")"));
    }
  }
  return absl::OkStatus();
}

ChangeAuthor AuthorOfCall(const grpc::ServerContextBase* context, std::string reason) {
  ChangeAuthor author;
  author.reason = std::move(reason);
  if (context == nullptr) return author;
  author.principal = MetadataValue(*context, kPrincipalHeader);
  // Kept as the logs show it.
  author.request_id = SanitizedRequestId(MetadataValue(*context, kRequestIdHeader));
  return author;
}

google::protobuf::Timestamp TimestampOfMicros(int64_t micros) {
  google::protobuf::Timestamp time;
  if (micros == 0) return time;
  // Floor division, so a time before 1970 keeps nanos in 0..999,999,999.
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  time.set_seconds(seconds);
  time.set_nanos(static_cast<int32_t>(rest) * 1000);
  return time;
}

std::vector<std::string> ChangedFieldPaths(const google::protobuf::Message* before,
                                           const google::protobuf::Message& after,
                                           std::initializer_list<int> ignored) {
  std::vector<std::string> paths;
  const google::protobuf::Descriptor* descriptor = after.GetDescriptor();
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
