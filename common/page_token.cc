#include "common/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"

namespace lookout {
namespace {

// The MAC covers the cursor and the query, so a token only works for the query it came from.
std::string Mac(absl::string_view secret, absl::string_view cursor, absl::string_view query) {
  return HmacSha256Hex(secret, absl::StrCat(cursor.size(), ":", cursor, "|", query))
      .substr(0, 32);
}

}  // namespace

std::string PageTokenCodec::Encode(absl::string_view cursor, absl::string_view query) const {
  return absl::WebSafeBase64Escape(absl::StrCat(Mac(secret_, cursor, query), cursor));
}

absl::StatusOr<std::string> PageTokenCodec::Decode(absl::string_view token,
                                                   absl::string_view query) const {
  std::string raw;
  if (token.size() > 4096 || !absl::WebSafeBase64Unescape(token, &raw) || raw.size() < 32) {
    return errors::InvalidField("page_token", "is not a token this service issued");
  }
  std::string cursor = raw.substr(32);
  if (!SecureEquals(raw.substr(0, 32), Mac(secret_, cursor, query))) {
    return errors::InvalidField(
        "page_token", "does not belong to this query (was it issued for other filters?)");
  }
  return cursor;
}

}  // namespace lookout
