// libFuzzer target: the gdelt row parser on arbitrary bytes. Input: GDELT 2.0 export rows (61
// tab-separated columns, no quoting).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return lookout::fuzz::FuzzRows(lookout::cli::ImportFormat::kGdelt, data, size,
                                 /*strict_rows=*/true);
}
