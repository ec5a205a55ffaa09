#include "services/stats/slot_index.h"

#include <algorithm>

namespace lookout::stats {
namespace {

// Entries in use (keys and erased marks) stay below 85% of the table, so an insert's probe
// for a free entry stays short; a full table grows to 60% use.
constexpr double kMaxLoad = 0.85;
constexpr double kGrownLoad = 0.6;
constexpr double kCompactLoad = 0.82;

}  // namespace

uint64_t SlotIndex::Mix(uint64_t key) {
  // The MurmurHash3 finaliser: ids need not be random (imported ids may count up).
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  key *= 0xc4ceb9fe1a85ec53ULL;
  key ^= key >> 33;
  return key;
}

std::optional<uint32_t> SlotIndex::Find(uint64_t key) const {
  if (size_ == 0) return std::nullopt;
  const uint64_t hash = Mix(key);
  const uint8_t fingerprint = Fingerprint(hash);
  const size_t capacity = tags_.size();
  for (size_t i = Home(hash);; i = i + 1 == capacity ? 0 : i + 1) {
    const uint8_t tag = tags_[i];
    if (tag == kEmpty) return std::nullopt;
    if (tag == fingerprint && (*keys_)[slots_[i]] == key) return slots_[i];
  }
}

void SlotIndex::Place(uint32_t slot, uint64_t hash) {
  const size_t capacity = tags_.size();
  size_t i = Home(hash);
  while (tags_[i] > kErased) i = i + 1 == capacity ? 0 : i + 1;
  if (tags_[i] == kErased) --erased_;
  tags_[i] = Fingerprint(hash);
  slots_[i] = slot;
  ++size_;
}

void SlotIndex::Insert(uint32_t slot) {
  if (static_cast<double>(size_ + erased_ + 1) > kMaxLoad * static_cast<double>(tags_.size())) {
    Rehash(std::max<size_t>(16, static_cast<size_t>(static_cast<double>(size_ + 1) / kGrownLoad)));
  }
  Place(slot, Mix((*keys_)[slot]));
}

bool SlotIndex::Erase(uint64_t key) {
  if (size_ == 0) return false;
  const uint64_t hash = Mix(key);
  const uint8_t fingerprint = Fingerprint(hash);
  const size_t capacity = tags_.size();
  for (size_t i = Home(hash);; i = i + 1 == capacity ? 0 : i + 1) {
    const uint8_t tag = tags_[i];
    if (tag == kEmpty) return false;
    if (tag == fingerprint && (*keys_)[slots_[i]] == key) {
      // An erased mark, not an empty entry: later keys of this probe run stay reachable.
      tags_[i] = kErased;
      --size_;
      ++erased_;
      return true;
    }
  }
}

void SlotIndex::Compact(size_t count) {
  count = std::max(count, size_);
  const size_t capacity =
      std::max<size_t>(16, static_cast<size_t>(static_cast<double>(count) / kCompactLoad) + 1);
  // Already that table, with no erased entries (a loaded snapshot's index): rehashing it would
  // change nothing and cost a second or more at millions of events, before a restart serves.
  if (capacity == tags_.size() && erased_ == 0) return;
  Rehash(capacity);
}

void SlotIndex::Rehash(size_t capacity) {
  std::vector<uint8_t> old_tags(capacity, kEmpty);
  std::vector<uint32_t> old_slots(capacity);
  old_tags.swap(tags_);
  old_slots.swap(slots_);
  size_ = 0;
  erased_ = 0;
  for (size_t i = 0; i < old_tags.size(); ++i) {
    if (old_tags[i] > kErased) Place(old_slots[i], Mix((*keys_)[old_slots[i]]));
  }
}

}  // namespace lookout::stats
