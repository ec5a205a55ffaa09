// The shared filter cases (event_filter/testing/filter_cases.h) through ListEvents and
// WatchEvents on a real event service and AggregateEvents on a real stats service (in-process,
// real gRPC, real SQLite): each case's event is stored alone, asked for with the case's filter,
// and deleted again. The event service runs on SQLite and on PostgreSQL: the same table, text
// matching included, must give the same answers on both.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/sqlite_db.h"
#include "event_filter/testing/filter_cases.h"
#include "event_filter/text_words.h"
#include "gmock/gmock.h"
#include "services/event/event_schema.h"
#include "tests/integration/stats_cluster.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event_filter::testing::FilterCase;
using ::lookout::event_filter::testing::FilterCases;
using ::lookout::event_filter::testing::WithActorIds;
using testing::StatsCluster;

class EventFilterCasesTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    cluster_.SetEventStore(
        lookout::testing::TestStoreLocation(GetParam(), dir_.File("event.db"), "event"));
    cluster_.StartActor();
    cluster_.StartEvent();
    for (const std::string& id : event_filter::testing::CaseActorIds()) {
      actor_ids_[id] = cluster_.CreateActor("Case actor " + id);
    }
  }

  // The case with the real actor ids.
  FilterCase Resolved(const FilterCase& c) { return WithActorIds(c, actor_ids_); }

  // Stores the case's event as a client would send it; returns it as stored.
  Event Store(const FilterCase& c) {
    Event payload = c.event;
    payload.clear_fatalities();
    Event stored = cluster_.CreateEvent(payload);
    EXPECT_EQ(stored.fatalities(), c.event.fatalities()) << "the table's fatalities are derived";
    EXPECT_GT(stored.sequence(), 0);
    return stored;
  }

  void Delete(const Event& stored) {
    event::v1::DeleteEventRequest request;
    request.set_id(stored.id());
    event::v1::DeleteEventResponse response;
    grpc::Status status =
        cluster_.events().DeleteEvent(StatsCluster::Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static void ExpectRefused(const grpc::Status& status, const FilterCase& c) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), ::testing::StartsWith(c.error_field + ": "));
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr(c.error_part));
  }

  lookout::testing::TempDir dir_;
  StatsCluster cluster_{dir_.path()};
  std::map<std::string, std::string> actor_ids_;
};

TEST_P(EventFilterCasesTest, ListEventsAnswersEveryCase) {
  int matched = 0;
  for (const FilterCase& original : FilterCases()) {
    SCOPED_TRACE(original.name);
    const FilterCase c = Resolved(original);
    event::v1::ListEventsRequest request;
    *request.mutable_filter() = c.filter;
    event::v1::ListEventsResponse response;
    if (c.invalid()) {
      ExpectRefused(cluster_.events().ListEvents(StatsCluster::Context().get(), request, &response),
                    c);
      continue;
    }
    const Event stored = Store(c);
    grpc::Status status =
        cluster_.events().ListEvents(StatsCluster::Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.events_size(), c.matches ? 1 : 0) << c.filter.ShortDebugString();
    if (c.matches) {
      EXPECT_EQ(response.events(0).id(), stored.id());
      ++matched;
    }
    Delete(stored);
  }
  EXPECT_GT(matched, 10);
}

// WatchEvents (the matcher, inside the real event service): the case's creation is sent or not.
TEST_P(EventFilterCasesTest, WatchEventsAnswersEveryCase) {
  // Changes after `after` up to the head, as WatchEvents without follow sends them.
  auto watch = [&](const FilterCase& c, int64_t after, int* changes) {
    event::v1::WatchEventsRequest request;
    request.set_after_sequence(after);
    *request.mutable_filter() = c.filter;
    auto context = StatsCluster::Context();
    auto reader = cluster_.events().WatchEvents(context.get(), request);
    event::v1::WatchEventsResponse change;
    *changes = 0;
    while (reader->Read(&change)) {
      EXPECT_EQ(change.type(), event::v1::CHANGE_TYPE_CREATED);
      ++*changes;
    }
    return reader->Finish();
  };
  int matched = 0;
  for (const FilterCase& original : FilterCases()) {
    SCOPED_TRACE(original.name);
    const FilterCase c = Resolved(original);
    int changes = 0;
    if (c.invalid()) {
      ExpectRefused(watch(c, 0, &changes), c);
      continue;
    }
    const Event stored = Store(c);
    grpc::Status status = watch(c, stored.sequence() - 1, &changes);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(changes, c.matches ? 1 : 0) << c.filter.ShortDebugString();
    if (c.matches) ++matched;
    Delete(stored);
  }
  EXPECT_GT(matched, 10);
}

TEST_P(EventFilterCasesTest, AggregateEventsAnswersEveryCase) {
  cluster_.StartStats();
  ASSERT_TRUE(cluster_.WaitStatsServing());
  int matched = 0;
  for (const FilterCase& original : FilterCases()) {
    SCOPED_TRACE(original.name);
    const FilterCase c = Resolved(original);
    v1::AggregateEventsRequest request;
    *request.mutable_filter() = c.filter;
    v1::AggregateEventsResponse response;
    if (c.invalid()) {
      ExpectRefused(
          cluster_.stats().AggregateEvents(StatsCluster::Context().get(), request, &response), c);
      continue;
    }
    const Event stored = Store(c);
    // The answer must include the event (and the deletion of the case before it).
    request.set_as_of_sequence(stored.sequence());
    grpc::Status status =
        cluster_.stats().AggregateEvents(StatsCluster::Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.total_events(), c.matches ? 1 : 0) << c.filter.ShortDebugString();
    EXPECT_EQ(response.total_fatalities(), c.matches ? c.event.fatalities() : 0);
    if (c.matches) ++matched;
    Delete(stored);
  }
  EXPECT_GT(matched, 10);
}

// The matcher reads words with kTextTokenizer; ListEvents with the tokenizer its index was built
// with. For every Latin-1 Supplement, Latin Extended-A and -B character, combining accent and
// general punctuation mark, alone and inside a word, the words of the event store's own index
// are TextWords'.
INSTANTIATE_TEST_SUITE_P(Backends, EventFilterCasesTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

TEST(EventFilterTextWordsTest, AreTheEventIndexWords) {
  lookout::testing::TempDir dir;
  SqliteDatabase::Options options;
  options.path = dir.path() + "/events.db";
  auto db = SqliteDatabase::Open(options, event::EventStoreMigrations());
  ASSERT_TRUE(db.ok()) << db.status();
  std::map<int64_t, std::string> notes;
  auto add = [&](uint32_t first, uint32_t last) {
    for (uint32_t cp = first; cp <= last; ++cp) {
      std::string c;  // UTF-8, at most 3 bytes here
      if (cp < 0x800) {
        c = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
      } else {
        c = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
             static_cast<char>(0x80 | (cp & 0x3F))};
      }
      notes[cp] = absl::StrCat(c, " a", c, "b ", c, "C ", "D", c);
    }
  };
  add(0x80, 0x24F);
  add(0x300, 0x36F);
  add(0x2000, 0x206F);
  std::map<int64_t, std::vector<std::string>> indexed;
  absl::Status status = (*db)->Write([&](SqliteConnection& c) -> absl::Status {
    for (const auto& [cp, text] : notes) {
      auto insert = c.Prepare("INSERT INTO events_fts (rowid, notes) VALUES (?, ?)");
      if (!insert.ok()) return insert.status();
      insert->Bind(1, cp).Bind(2, text);
      if (absl::Status s = insert->Run(); !s.ok()) return s;
    }
    if (absl::Status s = c.Exec("CREATE VIRTUAL TABLE temp.words USING "
                                "fts5vocab(main, events_fts, instance)");
        !s.ok()) {
      return s;
    }
    auto words = c.Prepare("SELECT doc, term FROM temp.words ORDER BY doc, offset");
    if (!words.ok()) return words.status();
    for (;;) {
      absl::StatusOr<bool> row = words->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      indexed[words->Int64(0)].push_back(words->Text(1));
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(indexed.size(), notes.size());
  for (const auto& [cp, text] : notes) {
    EXPECT_EQ(event_filter::TextWords(text), indexed[cp]) << "U+" << std::hex << cp;
  }
}

}  // namespace
}  // namespace lookout::stats
