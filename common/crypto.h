// Hashes from OpenSSL's libcrypto, hex-encoded.
#ifndef LOOKOUT_COMMON_CRYPTO_H_
#define LOOKOUT_COMMON_CRYPTO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lookout {

std::string Sha256Hex(absl::string_view data);
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);
// Constant-time comparison, for secrets.
bool SecureEquals(absl::string_view a, absl::string_view b);
// `bytes` random bytes from the OS, hex-encoded.
std::string RandomHex(int bytes);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_CRYPTO_H_
