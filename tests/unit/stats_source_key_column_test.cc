// SourceKeyColumn: records by rank of the slot, records waiting for a merge, tombstones, the
// flags bits it owns, and its snapshot, against a plain map of what each slot should hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "services/stats/source_key_column.h"

namespace lookout::stats {
namespace {

using Keys = SourceKeyColumn::Keys;
constexpr uint8_t kOtherBits = 0x1F;  // EventColumns' own flags, which the column must not touch

struct Expected {
  uint32_t system;
  Keys keys;
};

// Every slot answers what `expected` says (system 0 for the others), the flags bits below the
// column's are `low_bits`, and ForEach visits exactly the slots with a system, in order.
void ExpectHolds(const SourceKeyColumn& column, const std::vector<uint8_t>& flags,
                 const std::vector<uint8_t>& low_bits,
                 const std::map<uint32_t, Expected>& expected) {
  for (uint32_t slot = 0; slot < flags.size(); ++slot) {
    SCOPED_TRACE(slot);
    ASSERT_EQ(flags[slot] & kOtherBits, low_bits[slot]);
    auto it = expected.find(slot);
    if (it == expected.end()) {
      ASSERT_EQ(column.system(slot), 0u);
      continue;
    }
    ASSERT_EQ(column.system(slot), it->second.system);
    const Keys got = column.Get(slot);
    ASSERT_EQ(got.first, it->second.keys.first);
    ASSERT_EQ(got.second, it->second.keys.second);
  }
  std::vector<uint32_t> visited;
  column.ForEach([&](uint32_t slot, uint32_t system, const Keys& keys) {
    visited.push_back(slot);
    auto it = expected.find(slot);
    ASSERT_NE(it, expected.end()) << slot;
    EXPECT_EQ(system, it->second.system);
    EXPECT_EQ(keys.first, it->second.keys.first);
    EXPECT_EQ(keys.second, it->second.keys.second);
  });
  std::vector<uint32_t> slots;
  for (const auto& [slot, entry] : expected) slots.push_back(slot);
  EXPECT_EQ(visited, slots);
}

TEST(StatsSourceKeyColumnTest, UpdatesToAndFromNoneReuseRecordsInPlace) {
  std::vector<uint8_t> flags(10, 1);
  const std::vector<uint8_t> low(10, 1);
  SourceKeyColumn column(&flags);
  std::map<uint32_t, Expected> expected;
  auto set = [&](uint32_t slot, uint32_t system, Keys keys) {
    column.Set(slot, system, keys);
    if (system == 0) {
      expected.erase(slot);
    } else {
      expected[slot] = {system, keys};
    }
  };
  // In slot order: appended.
  set(2, 1, {7, 3});
  set(5, 2, {9, 0});
  set(7, 3, {4, 0});
  EXPECT_EQ(column.record_count(), 3u);
  EXPECT_EQ(column.waiting_count(), 0u);
  ExpectHolds(column, flags, low, expected);

  // Losing the attributes leaves a tombstone, which the next keys of the slot reuse.
  set(5, 0, {0, 0});
  EXPECT_EQ(column.tombstone_count(), 1u);
  ExpectHolds(column, flags, low, expected);
  set(5, 1, {11, 12});
  EXPECT_EQ(column.tombstone_count(), 0u);
  EXPECT_EQ(column.record_count(), 3u);
  ExpectHolds(column, flags, low, expected);

  // A slot below the last record waits; a change of its keys or system stays there.
  set(3, 3, {2, 0});
  EXPECT_EQ(column.waiting_count(), 1u);
  set(3, 2, {5, 0});
  ExpectHolds(column, flags, low, expected);
  set(0, 1, {1, 1});
  set(0, 0, {0, 0});  // gone from the waiting ones
  EXPECT_EQ(column.waiting_count(), 1u);
  ExpectHolds(column, flags, low, expected);

  // Compact folds the waiting record in and drops tombstones.
  set(7, 0, {0, 0});
  column.Compact();
  EXPECT_EQ(column.waiting_count(), 0u);
  EXPECT_EQ(column.tombstone_count(), 0u);
  EXPECT_EQ(column.record_count(), 3u);  // slots 2, 3, 5
  ExpectHolds(column, flags, low, expected);
  // Slot 7's record went with its tombstone, so it appends again; 6 is below it and waits.
  set(7, 3, {8, 0});
  EXPECT_EQ(column.waiting_count(), 0u);
  set(6, 2, {6, 0});
  EXPECT_EQ(column.waiting_count(), 1u);
  ExpectHolds(column, flags, low, expected);

  // Nothing left: no bytes held.
  for (uint32_t slot = 0; slot < flags.size(); ++slot) set(slot, 0, {0, 0});
  column.Compact();
  EXPECT_EQ(column.record_count(), 0u);
  EXPECT_EQ(column.ApproximateBytes(), 0u);
  ExpectHolds(column, flags, low, expected);
}

TEST(StatsSourceKeyColumnTest, FollowsARandomMixOfInsertsUpdatesAndDeletes) {
  std::mt19937 random(20261207);
  std::vector<uint8_t> flags;
  std::vector<uint8_t> low;
  SourceKeyColumn column(&flags);
  std::map<uint32_t, Expected> expected;
  size_t most_pending = 0;
  size_t most_records = 0;
  bool merged = false;
  for (int op = 0; op < 60000; ++op) {
    const uint32_t choice = random() % 10;
    uint32_t slot;
    if (choice < 4 || flags.empty()) {  // a new slot, with or without attributes
      const uint8_t bits = static_cast<uint8_t>(random() % 32);
      flags.push_back(bits);
      low.push_back(bits);
      slot = static_cast<uint32_t>(flags.size() - 1);
      if (choice % 2 == 0) continue;
    } else {  // any slot: new keys, another system, or none
      slot = static_cast<uint32_t>(random() % flags.size());
    }
    const uint32_t system = random() % 4;
    const Keys keys{static_cast<uint32_t>(random() % 100000), static_cast<uint32_t>(random() % 90)};
    const size_t pending_before = column.waiting_count() + column.tombstone_count();
    column.Set(slot, system, keys);
    if (column.waiting_count() + column.tombstone_count() < pending_before) merged = true;
    if (system == 0) {
      expected.erase(slot);
    } else {
      expected[slot] = {system, system == 0 ? Keys{0, 0} : keys};
    }
    most_pending = std::max(most_pending, column.waiting_count() + column.tombstone_count());
    most_records = std::max(most_records, column.record_count());
    if (op % 5000 == 4999) {
      ASSERT_NO_FATAL_FAILURE(ExpectHolds(column, flags, low, expected));
    }
    if (op == 30000) {
      column.Compact();
      EXPECT_EQ(column.waiting_count() + column.tombstone_count(), 0u);
      EXPECT_EQ(column.record_count(), expected.size());
      ASSERT_NO_FATAL_FAILURE(ExpectHolds(column, flags, low, expected));
    }
  }
  ExpectHolds(column, flags, low, expected);
  EXPECT_TRUE(merged) << "the run never reached a merge";
  // Records waiting or dead never outnumber the bound: the one past it triggers a merge.
  EXPECT_LE(most_pending, std::max<size_t>(1024, most_records / 16));
}

TEST(StatsSourceKeyColumnTest, ASnapshotKeepsRecordsWaitingOnesAndTombstones) {
  std::vector<uint8_t> flags(3000, 1);
  SourceKeyColumn column(&flags);
  std::map<uint32_t, Expected> expected;
  for (uint32_t slot = 0; slot < 3000; slot += 3) {
    column.Set(slot, 1 + slot % 3, {slot, slot % 7});
    expected[slot] = {1 + slot % 3, {slot, slot % 7}};
  }
  for (uint32_t slot = 1; slot < 300; slot += 3) {  // waiting
    column.Set(slot, 2, {slot * 2, 0});
    expected[slot] = {2, {slot * 2, 0}};
  }
  for (uint32_t slot = 0; slot < 600; slot += 6) {  // tombstones
    column.Set(slot, 0, {0, 0});
    expected.erase(slot);
  }
  ASSERT_GT(column.waiting_count(), 0u);
  ASSERT_GT(column.tombstone_count(), 0u);
  std::string body;
  SnapshotWriter writer(&body);
  column.SaveTo(writer);

  std::vector<uint8_t> loaded_flags = flags;
  SourceKeyColumn loaded(&loaded_flags);
  SnapshotReader reader(body);
  ASSERT_TRUE(loaded.LoadFrom(reader));
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(loaded.record_count(), column.record_count());
  EXPECT_EQ(loaded.waiting_count(), column.waiting_count());
  EXPECT_EQ(loaded.tombstone_count(), column.tombstone_count());
  const std::vector<uint8_t> low(3000, 1);
  ExpectHolds(loaded, loaded_flags, low, expected);
  // It goes on as the original: a tombstone reused, a record appended past the end.
  loaded_flags.push_back(1);
  loaded.Set(6, 3, {66, 0});
  loaded.Set(3000, 1, {30, 1});
  expected[6] = {3, {66, 0}};
  expected[3000] = {1, {30, 1}};
  ExpectHolds(loaded, loaded_flags, std::vector<uint8_t>(3001, 1), expected);

  // Flags that disagree with the records are refused.
  auto refused = [&](std::vector<uint8_t> damaged, const std::string& bytes) {
    SourceKeyColumn other(&damaged);
    SnapshotReader in(bytes);
    return !other.LoadFrom(in);
  };
  std::vector<uint8_t> one_less = flags;
  one_less[3] &= static_cast<uint8_t>(~SourceKeyColumn::kRecord);  // a record without its slot
  EXPECT_TRUE(refused(one_less, body));
  std::vector<uint8_t> unheld = flags;
  unheld[2] |= 1 << SourceKeyColumn::kSystemShift;  // a system, no record, not waiting
  EXPECT_TRUE(refused(unheld, body));
  std::vector<uint8_t> recorded_waiting = flags;
  recorded_waiting[1] |= SourceKeyColumn::kRecord;  // a waiting slot flagged for a record
  EXPECT_TRUE(refused(recorded_waiting, body));
  EXPECT_TRUE(refused(flags, body.substr(0, body.size() - 3)));
  EXPECT_FALSE(refused(flags, body));
}

}  // namespace
}  // namespace lookout::stats
