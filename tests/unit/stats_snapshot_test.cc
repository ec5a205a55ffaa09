// Read-model snapshots on real files: a loaded snapshot is the model that wrote it (every
// grouping, filter and casualty sum alike, and it goes on applying changes alike), and a file
// that is missing, truncated, of another format version or with one byte changed is refused
// with the reason, leaving the model empty.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "services/stats/compiled_filter.h"
#include "services/stats/crc32c.h"
#include "services/stats/grouping.h"
#include "services/stats/read_model.h"
#include "services/stats/read_model_snapshot.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/stats_test_events.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::WatchEventsResponse;

// A log of creates, updates and deletes over numeric and other ids, so snapshots carry free
// slots, side maps (wide spans and counts, tags, injured, kidnapped, a fourth actor) and ids
// of both kinds.
class RandomLog {
 public:
  explicit RandomLog(int actors = 12) : actors_(testing::TestActors(actors)) {}

  std::vector<WatchEventsResponse> Next(int count) {
    std::vector<WatchEventsResponse> out;
    for (int i = 0; i < count; ++i) {
      ++sequence_;
      if (ids_.empty() || absl::Bernoulli(gen_, 0.6)) {
        const int n = static_cast<int>(ids_.size()) + 1;
        ids_.push_back(absl::Bernoulli(gen_, 0.9) ? "evt_" + testing::Hex16(n * 7919)
                                                  : absl::StrCat("imported-", n));
        out.push_back(Change(event::v1::CHANGE_TYPE_CREATED, ids_.back()));
      } else if (absl::Bernoulli(gen_, 0.7)) {
        out.push_back(Change(event::v1::CHANGE_TYPE_UPDATED, testing::Pick(gen_, ids_)));
      } else {
        Event gone;
        gone.set_id(testing::Pick(gen_, ids_));
        gone.set_etag(absl::StrCat("etag-", sequence_));
        out.push_back(testing::Change(sequence_, event::v1::CHANGE_TYPE_DELETED, gone));
      }
    }
    return out;
  }
  const std::vector<std::string>& ids() const { return ids_; }
  const std::vector<std::string>& actors() const { return actors_; }
  absl::BitGen& gen() { return gen_; }

 private:
  WatchEventsResponse Change(event::v1::ChangeType type, const std::string& id) {
    Event e = testing::RandomEvent(gen_, id, actors_);
    e.set_etag(absl::StrCat("etag-", sequence_));
    WatchEventsResponse change = testing::Change(sequence_, type, e);
    change.set_change_log_id("log-a");
    return change;
  }

  const std::vector<std::string> actors_;
  absl::BitGen gen_;
  std::vector<std::string> ids_;
  int64_t sequence_ = 0;
};

// Everything a query can see: groupings by every dimension pair under random filters, the
// casualty sums, and which ids are found.
std::string Describe(const ReadModel& model, RandomLog& log) {
  static const std::vector<std::vector<v1::Dimension>> kDimensions = {
      {},
      {v1::DIMENSION_COUNTRY, v1::DIMENSION_MONTH},
      {v1::DIMENSION_ADMIN1, v1::DIMENSION_EVENT_TYPE},
      {v1::DIMENSION_SUB_EVENT_TYPE, v1::DIMENSION_WEEK},
      {v1::DIMENSION_ACTOR, v1::DIMENSION_YEAR},
      {v1::DIMENSION_ACTOR, v1::DIMENSION_DAY}};
  // The same filters for both models: a fixed seed per call.
  std::seed_seq seed{42};
  absl::BitGen gen(seed);
  return model.ReadAt([&](const EventColumns& columns, const LogPosition& position) {
    std::string out = absl::StrCat(position.change_log_id, "@", position.sequence, "/",
                                   position.etag, " live=", columns.live_count(), "\n");
    for (int i = 0; i < 40; ++i) {
      const event::v1::EventFilter filter = testing::RandomFilter(gen, log.actors());
      const CompiledFilter compiled(filter, columns);
      for (const auto& dims : kDimensions) {
        Grouping g = GroupEvents(columns, compiled, dims);
        std::map<std::string, std::pair<int64_t, int64_t>> rows;
        for (const Group& group : g.groups) {
          std::string key;
          for (size_t d = 0; d < dims.size(); ++d) {
            const int32_t code = group.codes[d];
            switch (dims[d]) {
              case v1::DIMENSION_COUNTRY:
                absl::StrAppend(&key, columns.countries().Value(code), "|");
                break;
              case v1::DIMENSION_ADMIN1:
                absl::StrAppend(&key, columns.admin1s().Value(code), "|");
                break;
              case v1::DIMENSION_SUB_EVENT_TYPE:
                absl::StrAppend(&key, columns.sub_event_types().Value(code), "|");
                break;
              case v1::DIMENSION_ACTOR:
                absl::StrAppend(&key, columns.actors().Value(code), "|");
                break;
              default:
                absl::StrAppend(&key, code, "|");
            }
          }
          rows[key] = {group.events, group.fatalities};
        }
        absl::StrAppend(&out, i, ": ", g.total_events, "/", g.total_fatalities, " ");
        for (const auto& [key, counts] : rows) {
          absl::StrAppend(&out, key, "=", counts.first, "/", counts.second, " ");
        }
        out += "\n";
      }
      for (auto kind : {event::v1::CASUALTY_KIND_KILLED, event::v1::CASUALTY_KIND_INJURED,
                        event::v1::CASUALTY_KIND_KIDNAPPED}) {
        absl::StrAppend(&out, "sum ", kind, "=", SumCasualties(columns, compiled, kind), "\n");
      }
    }
    for (const std::string& id : log.ids()) {
      absl::StrAppend(&out, id, columns.SlotOf(id).has_value() ? "+" : "-", " ");
    }
    return out;
  });
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class StatsSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_.Apply(log_.Next(3000));
    model_.MarkCaughtUp();
    absl::StatusOr<SnapshotInfo> written = WriteSnapshot(model_, path_);
    ASSERT_TRUE(written.ok()) << written.status();
    EXPECT_EQ(written->position.sequence, 3000);
    EXPECT_EQ(written->events, model_.Read([](const EventColumns& c, int64_t) {
      return c.live_count();
    }));
  }

  // Loading `path_` fails with `code` and a message containing `reason`, and leaves the model
  // empty.
  void ExpectRefused(absl::StatusCode code, const std::string& reason) {
    ReadModel loaded;
    absl::StatusOr<SnapshotInfo> info = LoadSnapshot(path_, &loaded);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.status().code(), code) << info.status();
    EXPECT_NE(info.status().message().find(reason), std::string::npos) << info.status();
    EXPECT_EQ(loaded.applied_sequence(), 0);
    EXPECT_EQ(loaded.change_log_id(), "");
    EXPECT_FALSE(loaded.restored());
    EXPECT_EQ(loaded.Read([](const EventColumns& c, int64_t) { return c.slot_count(); }), 0u);
  }

  lookout::testing::TempDir dir_;
  const std::string path_ = dir_.File(kSnapshotFileName);
  RandomLog log_;
  ReadModel model_;
};

TEST_F(StatsSnapshotTest, ALoadedSnapshotAnswersAsTheModelThatWroteItAndFollowsAlike) {
  ReadModel loaded;
  absl::StatusOr<SnapshotInfo> info = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->position.sequence, 3000);
  EXPECT_EQ(info->position.change_log_id, "log-a");
  EXPECT_TRUE(loaded.restored());
  EXPECT_FALSE(loaded.caught_up());
  EXPECT_EQ(loaded.position().etag, model_.position().etag);
  EXPECT_EQ(Describe(loaded, log_), Describe(model_, log_));

  // Both go on with the same changes (reusing free slots, moving postings, new dictionary
  // values) and still agree; the repeat of an applied change is skipped by both.
  const std::vector<WatchEventsResponse> more = log_.Next(1500);
  model_.Apply(more);
  loaded.Apply(more);
  loaded.Apply(more.front());
  EXPECT_EQ(loaded.applied_sequence(), 4500);
  EXPECT_EQ(Describe(loaded, log_), Describe(model_, log_));

  // And a snapshot of the loaded model loads as well.
  ASSERT_TRUE(WriteSnapshot(loaded, path_).ok());
  ReadModel again;
  ASSERT_TRUE(LoadSnapshot(path_, &again).ok());
  EXPECT_EQ(Describe(again, log_), Describe(model_, log_));
}

TEST_F(StatsSnapshotTest, WritingLeavesOnlyTheSnapshotInTheDirectory) {
  ASSERT_TRUE(WriteSnapshot(model_, path_).ok());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{kSnapshotFileName});
}

TEST_F(StatsSnapshotTest, AMissingSnapshotIsNotFound) {
  std::filesystem::remove(path_);
  ExpectRefused(absl::StatusCode::kNotFound, "no snapshot at ");
}

TEST_F(StatsSnapshotTest, ATruncatedSnapshotIsRefused) {
  const std::string whole = ReadFile(path_);
  WriteFile(path_, whole.substr(0, whole.size() / 2));
  ExpectRefused(absl::StatusCode::kDataLoss, "truncated: the body has ");
  WriteFile(path_, whole.substr(0, 10));
  ExpectRefused(absl::StatusCode::kDataLoss, "truncated: 10 bytes, shorter than the header");
  WriteFile(path_, "");
  ExpectRefused(absl::StatusCode::kDataLoss, "truncated: 0 bytes");
}

TEST_F(StatsSnapshotTest, ASnapshotOfAnotherFormatVersionIsRefused) {
  const std::string good = ReadFile(path_);
  // The previous format (4: source attributes in a hash map) and a later one.
  for (const uint32_t other : {kSnapshotFormatVersion - 1, kSnapshotFormatVersion + 1}) {
    SCOPED_TRACE(other);
    std::string bytes = good;
    std::memcpy(bytes.data() + 8, &other, 4);
    WriteFile(path_, bytes);
    ExpectRefused(absl::StatusCode::kFailedPrecondition,
                  absl::StrCat("format version ", other, ", this build reads version ",
                               kSnapshotFormatVersion));
  }
}

TEST_F(StatsSnapshotTest, ASnapshotWithOneByteChangedIsRefused) {
  const std::string whole = ReadFile(path_);
  // Anywhere in the body: the position, a column, a dictionary, the last byte.
  for (size_t at : {kSnapshotHeaderBytes + 3, whole.size() / 3, whole.size() / 2,
                    whole.size() - 1}) {
    std::string bytes = whole;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
    WriteFile(path_, bytes);
    SCOPED_TRACE(at);
    ExpectRefused(absl::StatusCode::kDataLoss, "corrupt: the body's CRC-32C is ");
  }
  // The checksum itself, and bytes appended after the body.
  std::string bytes = whole;
  bytes[12] = static_cast<char>(bytes[12] ^ 1);
  WriteFile(path_, bytes);
  ExpectRefused(absl::StatusCode::kDataLoss, "corrupt: the body's CRC-32C is ");
  WriteFile(path_, whole + "x");
  ExpectRefused(absl::StatusCode::kDataLoss, "corrupt: 1 bytes after the body");
  bytes = whole;
  bytes[0] = 'X';
  WriteFile(path_, bytes);
  ExpectRefused(absl::StatusCode::kDataLoss, "not a read-model snapshot");
}

TEST_F(StatsSnapshotTest, AModelThatHoldsChangesTakesNoSnapshot) {
  ReadModel busy;
  busy.Apply(log_.Next(1));
  absl::StatusOr<SnapshotInfo> info = LoadSnapshot(path_, &busy);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kFailedPrecondition) << info.status();
  EXPECT_EQ(busy.applied_sequence(), 3001);
  EXPECT_FALSE(busy.restored());
}

TEST(StatsCrc32cTest, MatchesTheStandardCheckValueInOneCallOrMany) {
  const std::string text = "123456789";
  EXPECT_EQ(Crc32c(0, text.data(), text.size()), 0xE3069283u);
  EXPECT_EQ(Crc32c(Crc32c(0, text.data(), 4), text.data() + 4, 5), 0xE3069283u);
  const std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu);
}

}  // namespace
}  // namespace lookout::stats
