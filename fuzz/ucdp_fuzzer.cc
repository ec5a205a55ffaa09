// libFuzzer target: the ucdp row parser on arbitrary bytes. Input: UCDP GED CSV (multi-line quoted
// fields, the HXL row, low/best/high).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return lookout::fuzz::FuzzRows(lookout::cli::ImportFormat::kUcdp, data, size,
                                 /*strict_rows=*/true);
}
