// libFuzzer target: the jsonl row parser on arbitrary bytes. Input: Lookout JSONL (the export
// format; accepted rows are checked only for surviving the wire).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return lookout::fuzz::FuzzRows(lookout::cli::ImportFormat::kJsonl, data, size,
                                 /*strict_rows=*/false);
}
