// CRC-32C (Castagnoli), the checksum of read-model snapshots: the SSE4.2 instruction where the
// CPU has it (several GB/s, so checking a snapshot costs little next to reading it), a table
// otherwise. Both give the same value.
#ifndef LOOKOUT_SERVICES_STATS_CRC32C_H_
#define LOOKOUT_SERVICES_STATS_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace lookout::stats {

// Extends `crc` (0 to start) over `size` bytes at `data`.
uint32_t Crc32c(uint32_t crc, const void* data, size_t size);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_CRC32C_H_
