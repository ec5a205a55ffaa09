// libFuzzer target: the acled row parser on arbitrary bytes. Input: ACLED CSV (header row, quoted
// fields, label drift).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return lookout::fuzz::FuzzRows(lookout::cli::ImportFormat::kAcled, data, size,
                                 /*strict_rows=*/true);
}
