// The read model's grouped source attributes (Dimension values 10-13): for each slot whose event
// carries any, its source system and two dictionary codes, without a byte for the others.
//
// Where things are:
// - the system (0 none, then EventColumns' ACLED, UCDP, GDELT) in the top two bits of the slot's
//   flags byte, so a question about one source rejects the events of the others, and those
//   without attributes, from the flags column alone;
// - the codes in records_, 8 bytes per record, in slot order, so a slot's record is at its rank:
//   the number of slots before it flagged kRecord, from a count per 64 slots (directory_, 4
//   bytes per 64 slots up to the last slot with a record) plus the kRecord bits of at most 63
//   flags bytes before it in its block;
// - a record for a slot below the last one with a record (an older event gaining attributes, a
//   freed slot reused) cannot be inserted in place without moving every later record, so it
//   waits in overflow_, and a slot that loses its attributes keeps its record as a tombstone
//   (system 0) that a later event in the slot reuses. Both are folded into records_ by Merge, in
//   one pass over the flags, once they outnumber 1/16 of the records (and at least kMinPending),
//   and by Compact.
//
// Why not a hash map keyed by slot (what this replaced): 16-byte entries plus the table's slack
// and control bytes came to 17-37 bytes per event with attributes. This costs 8 bytes per record
// (up to 16 while the array grows, until Compact gives the spare room back) and 1/16 byte per
// slot for the directory, and a lookup reads the flags line the query reads anyway, the directory
// and the record, instead of probing a table.
//
// Not thread-safe, like EventColumns, whose flags column it shares.
#ifndef LOOKOUT_SERVICES_STATS_SOURCE_KEY_COLUMN_H_
#define LOOKOUT_SERVICES_STATS_SOURCE_KEY_COLUMN_H_

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "services/stats/snapshot_codec.h"

namespace lookout::stats {

class SourceKeyColumn {
 public:
  // The flags bits this column owns; EventColumns keeps them when it rewrites a slot's flags.
  static constexpr uint8_t kRecord = 32;  // the slot has a record in records_
  static constexpr int kSystemShift = 6;
  static constexpr uint8_t kSystemBits = 0xC0;
  static constexpr uint8_t kOwnedBits = kRecord | kSystemBits;
  static constexpr uint32_t kMaxSystem = 3;

  // The codes of an event's grouped attributes. 8 bytes, no padding (a snapshot writes it raw).
  struct Keys {
    uint32_t first;
    uint32_t second;
  };
  static_assert(sizeof(Keys) == 8);

  // `flags` (EventColumns' flags column, one byte per slot) must outlive this column.
  explicit SourceKeyColumn(std::vector<uint8_t>* flags) : flags_(flags) {}

  static uint32_t SystemOf(uint8_t flags) { return flags >> kSystemShift; }
  uint32_t system(uint32_t slot) const { return SystemOf((*flags_)[slot]); }
  // The keys of a slot whose system is not 0.
  Keys Get(uint32_t slot) const {
    if ((*flags_)[slot] & kRecord) return records_[Rank(slot)];
    return overflow_.at(slot);
  }
  // Gives the slot `keys` of `system` (1 to kMaxSystem), or none with system 0.
  void Set(uint32_t slot, uint32_t system, Keys keys);

  // Folds the waiting records and tombstones into records_ and gives back spare capacity.
  void Compact();
  // Bytes held (capacity, so spare room counts; the overflow map's entries only).
  size_t ApproximateBytes() const;
  // Records (tombstones included) plus waiting ones: for tests.
  size_t record_count() const { return records_.size(); }
  size_t waiting_count() const { return overflow_.size(); }
  size_t tombstone_count() const { return tombstones_; }

  // Snapshots: the records and the waiting ones as they are; the directory is rebuilt on load.
  void SaveTo(SnapshotWriter& out) const;
  // After the flags column was loaded: false when the records disagree with its bits (a count
  // that differs, a waiting record on a slot flagged otherwise, a slot without its record).
  bool LoadFrom(SnapshotReader& in);

  // Calls fn(slot, system, keys) for every slot whose system is not 0, in slot order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    const std::vector<uint8_t>& flags = *flags_;
    size_t rank = 0;
    for (uint32_t slot = 0; slot < flags.size(); ++slot) {
      const uint8_t f = flags[slot];
      if (!(f & kOwnedBits)) continue;
      const bool recorded = f & kRecord;
      const size_t at = rank;
      if (recorded) ++rank;
      if (SystemOf(f) == 0) continue;
      fn(slot, SystemOf(f), recorded ? records_[at] : overflow_.at(slot));
    }
  }

 private:
  static constexpr int kBlockShift = 6;  // 64 slots per directory entry
  static constexpr size_t kMinPending = 1024;

  uint32_t Rank(uint32_t slot) const {
    const uint8_t* flags = flags_->data();
    uint32_t rank = directory_[slot >> kBlockShift];
    uint32_t i = slot & ~((1u << kBlockShift) - 1);
    // Eight flags bytes at a time: their kRecord bits moved to bit 0 of each byte and counted.
    for (; i + 8 <= slot; i += 8) {
      uint64_t word;
      std::memcpy(&word, flags + i, sizeof(word));
      rank += static_cast<uint32_t>(__builtin_popcountll((word >> 5) & 0x0101010101010101ULL));
    }
    for (; i < slot; ++i) rank += (flags[i] & kRecord) ? 1 : 0;
    return rank;
  }
  void SetSystem(uint32_t slot, uint32_t system) {
    uint8_t& f = (*flags_)[slot];
    f = static_cast<uint8_t>((f & ~kSystemBits) | (system << kSystemShift));
  }
  void MaybeMerge();
  // Rebuilds records_ and directory_ from the flags, records_ and overflow_, dropping tombstones.
  void Merge();
  // The directory from the flags' kRecord bits, and end_slot_; false when the bits count more or
  // fewer records than records_ holds.
  bool Index();

  std::vector<uint8_t>* const flags_;
  std::vector<Keys> records_;
  // directory_[b]: records of the slots below b * 64; one entry per block up to end_slot_.
  std::vector<uint32_t> directory_;
  uint32_t end_slot_ = 0;  // one past the last slot flagged kRecord
  absl::flat_hash_map<uint32_t, Keys> overflow_;
  size_t tombstones_ = 0;  // slots flagged kRecord with system 0
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_SOURCE_KEY_COLUMN_H_
