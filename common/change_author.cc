#include "common/change_author.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"

namespace lookout {
namespace {

std::string MetadataValue(const grpc::ServerContextBase& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::Status ValidateReason(absl::string_view field, absl::string_view reason) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(field, reason, kMaxReasonLength, false));
  for (unsigned char c : reason) {
    if (c < 0x20 || c == 0x7f) {
      return errors::InvalidField(field,
                                  absl::StrCat("must not contain control characters (found U+00",
                                               absl::Hex(c, absl::kZeroPad2), ")"));
    }
  }
  return absl::OkStatus();
}

ChangeAuthor AuthorOf(const grpc::ServerContextBase* context, std::string reason) {
  ChangeAuthor author;
  author.reason = std::move(reason);
  if (context == nullptr) return author;
  author.principal = MetadataValue(*context, kPrincipalHeader);
  // Kept as the logs show it: short and printable.
  author.request_id = MetadataValue(*context, kRequestIdHeader);
  if (author.request_id.size() > 64) author.request_id.resize(64);
  for (char& c : author.request_id) {
    if (c < 0x21 || c > 0x7e) c = '_';
  }
  return author;
}

lookout::event::v1::ChangeProvenance ProvenanceOf(const ChangeAuthor& author) {
  lookout::event::v1::ChangeProvenance provenance;
  provenance.set_principal(author.principal);
  provenance.set_request_id(author.request_id);
  provenance.set_reason(author.reason);
  if (author.time_micros != 0) {
    provenance.mutable_time()->set_seconds(author.time_micros / 1000000);
    provenance.mutable_time()->set_nanos(static_cast<int32_t>(author.time_micros % 1000000) * 1000);
  }
  return provenance;
}

}  // namespace lookout
