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
// `bytes` random bytes from the OS, hex-encoded: for secrets.
std::string RandomHex(int bytes);
// `bytes` bytes from a per-thread generator seeded by the OS, hex-encoded: for ids and etags,
// which must not collide but guard nothing. OpenSSL's generator, which RandomHex uses, makes a
// getpid system call per call to notice forks.
std::string RandomIdHex(int bytes);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_CRYPTO_H_
