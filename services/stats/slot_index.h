// The read model's index from numeric event ids to slots: an open-addressing table of slot
// numbers whose keys live in the caller's id column, with a one-byte fingerprint per entry so a
// probe reads another slot's key only when the fingerprints agree (about 1 in 254).
//
// Why not absl::flat_hash_set<uint32_t>: its capacity is a power of two, so just past a
// doubling it holds about 10 bytes per key (at a million events: 2^21 entries of 5 bytes). This
// table sizes itself to any capacity (about 1.2 entries per key after Compact, 1.2-1.7 while it
// grows), so it costs about 6 bytes per key, with the same lookups.
#ifndef LOOKOUT_SERVICES_STATS_SLOT_INDEX_H_
#define LOOKOUT_SERVICES_STATS_SLOT_INDEX_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace lookout::stats {

class SlotIndex {
 public:
  // `keys` (the id column, indexed by slot) must outlive the index; the keys of indexed slots
  // must not change while they are indexed.
  explicit SlotIndex(const std::vector<uint64_t>* keys) : keys_(keys) {}

  std::optional<uint32_t> Find(uint64_t key) const;
  // Indexes `slot` under keys[slot], which must not be indexed yet.
  void Insert(uint32_t slot);
  // Forgets the slot indexed under `key`; false when there is none.
  bool Erase(uint64_t key);
  // Sizes the table for `count` keys at the densest load it keeps (after a rebuild or a load).
  void Compact(size_t count);
  size_t size() const { return size_; }

 private:
  static constexpr uint8_t kEmpty = 0;
  static constexpr uint8_t kErased = 1;

  static uint64_t Mix(uint64_t key);
  // From the low bits: Home uses the high ones, so neighbours in the table share those and a
  // fingerprint taken from them would match almost every entry a probe passes.
  static uint8_t Fingerprint(uint64_t hash) { return static_cast<uint8_t>(2 + (hash & 0xFFFF) % 254); }
  size_t Home(uint64_t hash) const {
    return static_cast<size_t>((static_cast<unsigned __int128>(hash) * tags_.size()) >> 64);
  }
  void Rehash(size_t capacity);
  void Place(uint32_t slot, uint64_t hash);

  const std::vector<uint64_t>* const keys_;
  std::vector<uint8_t> tags_;    // kEmpty, kErased or a fingerprint, per entry
  std::vector<uint32_t> slots_;  // the slot of each fingerprinted entry
  size_t size_ = 0;
  size_t erased_ = 0;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_SLOT_INDEX_H_
