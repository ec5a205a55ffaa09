#include "services/stats/source_key_column.h"

#include <algorithm>
#include <utility>

namespace lookout::stats {

void SourceKeyColumn::Set(uint32_t slot, uint32_t system, Keys keys) {
  const uint8_t f = (*flags_)[slot];
  const uint32_t old_system = SystemOf(f);
  if (system == 0) keys = Keys{0, 0};
  if (f & kRecord) {
    // The record stays where it is, holding the new keys or as a tombstone.
    if (system == 0 && old_system != 0) ++tombstones_;
    if (system != 0 && old_system == 0) --tombstones_;
    records_[Rank(slot)] = keys;
    SetSystem(slot, system);
    if (system == 0) MaybeMerge();
    return;
  }
  if (old_system != 0) {  // waiting in overflow_
    if (system == 0) {
      overflow_.erase(slot);
    } else {
      overflow_[slot] = keys;
    }
    SetSystem(slot, system);
    return;
  }
  if (system == 0) return;
  if (slot >= end_slot_) {
    // After every record: appended, and the directory extended to the slot's block. The new
    // blocks start past every earlier record, so each counts all of them.
    const size_t block = slot >> kBlockShift;
    if (directory_.size() <= block) {
      directory_.resize(block + 1, static_cast<uint32_t>(records_.size()));
    }
    records_.push_back(keys);
    end_slot_ = slot + 1;
    (*flags_)[slot] |= kRecord;
    SetSystem(slot, system);
    return;
  }
  overflow_[slot] = keys;
  SetSystem(slot, system);
  MaybeMerge();
}

void SourceKeyColumn::MaybeMerge() {
  const size_t pending = overflow_.size() + tombstones_;
  if (pending > std::max(kMinPending, records_.size() / 16)) Merge();
}

void SourceKeyColumn::Merge() {
  std::vector<uint8_t>& flags = *flags_;
  std::vector<Keys> merged;
  merged.reserve(records_.size() - tombstones_ + overflow_.size());
  std::vector<uint32_t> directory;
  size_t cursor = 0;
  uint32_t end = 0;
  for (uint32_t slot = 0; slot < flags.size(); ++slot) {
    if ((slot & ((1u << kBlockShift) - 1)) == 0) {
      directory.push_back(static_cast<uint32_t>(merged.size()));
    }
    uint8_t& f = flags[slot];
    if (!(f & kOwnedBits)) continue;
    Keys keys{0, 0};
    if (f & kRecord) keys = records_[cursor++];
    if (SystemOf(f) == 0) {  // a tombstone
      f &= ~kRecord;
      continue;
    }
    if (!(f & kRecord)) keys = overflow_.at(slot);
    merged.push_back(keys);
    f |= kRecord;
    end = slot + 1;
  }
  // Only up to the last record: slots past it (events without attributes) cost nothing.
  directory.resize((static_cast<size_t>(end) + (1u << kBlockShift) - 1) >> kBlockShift);
  directory.shrink_to_fit();
  records_ = std::move(merged);
  directory_ = std::move(directory);
  end_slot_ = end;
  overflow_.clear();
  tombstones_ = 0;
}

void SourceKeyColumn::Compact() {
  if (!overflow_.empty() || tombstones_ > 0) Merge();
  if (overflow_.empty()) absl::flat_hash_map<uint32_t, Keys>().swap(overflow_);
  records_.shrink_to_fit();
  directory_.shrink_to_fit();
}

size_t SourceKeyColumn::ApproximateBytes() const {
  return records_.capacity() * sizeof(Keys) + directory_.capacity() * sizeof(uint32_t) +
         overflow_.size() * sizeof(std::pair<uint32_t, Keys>);
}

void SourceKeyColumn::SaveTo(SnapshotWriter& out) const {
  out.PutArray(records_);
  out.Put<uint64_t>(overflow_.size());
  for (const auto& [slot, keys] : overflow_) {
    out.Put<uint32_t>(slot);
    out.Put<Keys>(keys);
  }
}

bool SourceKeyColumn::LoadFrom(SnapshotReader& in) {
  const std::vector<uint8_t>& flags = *flags_;
  if (!in.GetArray(&records_)) return false;
  uint64_t waiting;
  if (!in.GetCount(&waiting, sizeof(uint32_t) + sizeof(Keys))) return false;
  overflow_.reserve(waiting);
  for (uint64_t i = 0; i < waiting; ++i) {
    uint32_t slot;
    Keys keys;
    if (!in.Get(&slot) || !in.Get(&keys) || slot >= flags.size()) return false;
    // Only a slot with a system and no record waits.
    if ((flags[slot] & kRecord) || SystemOf(flags[slot]) == 0) return false;
    if (!overflow_.emplace(slot, keys).second) return false;
  }
  tombstones_ = 0;
  for (uint32_t slot = 0; slot < flags.size(); ++slot) {
    const uint8_t f = flags[slot];
    if ((f & kRecord) && SystemOf(f) == 0) ++tombstones_;
    if (!(f & kRecord) && SystemOf(f) != 0 && !overflow_.contains(slot)) return false;
  }
  return Index();
}

bool SourceKeyColumn::Index() {
  const std::vector<uint8_t>& flags = *flags_;
  directory_.clear();
  size_t count = 0;
  uint32_t end = 0;
  for (uint32_t slot = 0; slot < flags.size(); ++slot) {
    if ((slot & ((1u << kBlockShift) - 1)) == 0) directory_.push_back(static_cast<uint32_t>(count));
    if (flags[slot] & kRecord) {
      ++count;
      end = slot + 1;
    }
  }
  directory_.resize((static_cast<size_t>(end) + (1u << kBlockShift) - 1) >> kBlockShift);
  directory_.shrink_to_fit();
  end_slot_ = end;
  return count == records_.size();
}

}  // namespace lookout::stats
