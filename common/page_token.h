// Opaque, tamper-evident page tokens. A token carries a service-defined cursor and is bound to
// the query it was issued for: a token from another query, or a forged one, is INVALID_ARGUMENT.
#ifndef LOOKOUT_COMMON_PAGE_TOKEN_H_
#define LOOKOUT_COMMON_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lookout {

class PageTokenCodec {
 public:
  // `secret` keys the MAC; services persist it so tokens survive a restart.
  explicit PageTokenCodec(std::string secret) : secret_(std::move(secret)) {}

  // `query` is a canonical serialization of everything but the page token and page size.
  std::string Encode(absl::string_view cursor, absl::string_view query) const;
  // Returns the cursor; INVALID_ARGUMENT naming page_token when the token is malformed,
  // forged, or issued for another query.
  absl::StatusOr<std::string> Decode(absl::string_view token, absl::string_view query) const;

 private:
  std::string secret_;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_PAGE_TOKEN_H_
