// A database written by an earlier version of the event store opens with the newest schema and
// keeps working: the full-text index moved to a table that keeps no copy of the notes (version
// 3), so what version 2 indexed must still be found, and forgotten when the event changes; and
// the change log gets its identity (version 4); the live events of an existing file are counted
// per country and day (version 5); the source attributes ListEvents filters on get their table
// (version 6), where events written before have no row and a later one with attributes does;
// events at sea get columns of their own (version 7), which leave the events already stored
// as they were.
// changes get their author, request id, reason and time (version 8); counts per country with
// their longest span (version 9).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/sqlite_db.h"
#include "services/event/event_schema.h"
#include "services/event/sqlite_event_store.h"
#include "tests/testing/temp_dir.h"

namespace lookout::event {
namespace {

constexpr char kId[] = "evt_00000000000000a1";

v1::Event StoredEvent() {
  v1::Event event;
  event.set_id(kId);
  event.set_event_date("2024-03-02");
  event.set_event_type(v1::EVENT_TYPE_BATTLES);
  event.mutable_location()->set_country_code("HTI");
  event.set_notes("Barricades burned in Carrefour");
  event.add_tags("roadblock");
  event.set_sequence(1);
  return event;
}

// Writes one event the way version 2 stored it, with its rows in every index.
// The database at `path` opened with the migrations up to `version` only, as that version of
// the event store left it.
absl::StatusOr<std::unique_ptr<SqliteDatabase>> OpenAtVersion(const std::string& path,
                                                              int version) {
  std::vector<Migration> migrations;
  for (const Migration& m : EventStoreMigrations()) {
    if (m.version <= version) migrations.push_back(m);
  }
  if (static_cast<int>(migrations.size()) != version) {
    return absl::InternalError(absl::StrCat("expected ", version, " migrations up to version ",
                                            version, ", found ", migrations.size()));
  }
  SqliteDatabase::Options options;
  options.path = path;
  return SqliteDatabase::Open(options, migrations);
}

void WriteVersion2Database(const std::string& path) {
  auto db = OpenAtVersion(path, 2);
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string blob = StoredEvent().SerializeAsString();
  absl::Status written = (*db)->Write([&](SqliteConnection& c) -> absl::Status {
    auto events = c.Prepare(
        "INSERT INTO events (pk, id, event_day, end_day, country, admin1, event_type, "
        "sub_event_type, fatalities, sequence, event) "
        "VALUES (7, ?, 19784, 19784, 'HTI', '', 1, '', 0, 1, ?)");
    if (!events.ok()) return events.status();
    events->Bind(1, kId).BindBlob(2, blob);
    if (absl::Status s = events->Run(); !s.ok()) return s;
    for (const char* sql :
         {"INSERT INTO events_fts (rowid, notes) VALUES (7, 'Barricades burned in Carrefour')",
          "INSERT INTO event_tags (tag, event_id) VALUES ('roadblock', 'evt_00000000000000a1')",
          "INSERT INTO changes (sequence, event_id, type, event) "
          "SELECT 1, id, 1, event FROM events"}) {
      if (absl::Status s = c.Exec(sql); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(written.ok()) << written;
}

std::vector<std::string> Matching(SqliteEventStore& store, const std::string& text) {
  EventQuery query;
  query.filter.set_text(text);
  auto page = store.List(query);
  EXPECT_TRUE(page.ok()) << page.status();
  std::vector<std::string> ids;
  if (page.ok()) {
    for (const v1::Event& event : page->events) ids.push_back(event.id());
  }
  return ids;
}

TEST(EventStoreMigrationTest, NotesIndexedByVersion2AreFoundAndForgottenAfterUpgrade) {
  testing::TempDir dir;
  const std::string path = dir.File("event.db");
  ASSERT_NO_FATAL_FAILURE(WriteVersion2Database(path));

  auto store = SqliteEventStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(Matching(**store, "carrefour"), std::vector<std::string>{kId});

  // An update replaces the indexed words: the old ones are forgotten, the new ones found.
  absl::Status updated = (*store)->Write([](EventTransaction& tx) -> absl::Status {
    auto current = tx.GetLive(kId);
    if (!current.ok()) return current.status();
    if (!current->has_value()) return absl::NotFoundError(kId);
    v1::Event event = **current;
    event.set_notes("Convoy ambushed near Tabarre");
    return tx.Apply(v1::CHANGE_TYPE_UPDATED, event).status();
  });
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_TRUE(Matching(**store, "carrefour").empty());
  EXPECT_EQ(Matching(**store, "tabarre"), std::vector<std::string>{kId});
  EventQuery by_tag;
  by_tag.filter.add_tags("roadblock");
  auto tagged = (*store)->List(by_tag);
  ASSERT_TRUE(tagged.ok()) << tagged.status();
  EXPECT_EQ(tagged->total_size, 1);

  absl::Status deleted = (*store)->Write([](EventTransaction& tx) -> absl::Status {
    auto current = tx.GetLive(kId);
    if (!current.ok()) return current.status();
    if (!current->has_value()) return absl::NotFoundError(kId);
    return tx.Apply(v1::CHANGE_TYPE_DELETED, **current).status();
  });
  ASSERT_TRUE(deleted.ok()) << deleted;
  EXPECT_TRUE(Matching(**store, "tabarre").empty());
  tagged = (*store)->List(by_tag);
  ASSERT_TRUE(tagged.ok()) << tagged.status();
  EXPECT_EQ(tagged->total_size, 0);
}

// The change log's identity (migration 4) is created for a file written before it existed,
// kept by every later open of that file, and differs between files.
TEST(EventStoreMigrationTest, AFileGetsAChangeLogIdThatSurvivesReopening) {
  testing::TempDir dir;
  const std::string path = dir.File("event.db");
  {
    ASSERT_TRUE(OpenAtVersion(path, 3).ok());
  }
  std::string id;
  {
    auto store = SqliteEventStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    id = (*store)->change_log_id();
  }
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  auto reopened = SqliteEventStore::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->change_log_id(), id);

  auto other = SqliteEventStore::Open(dir.File("other.db"));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ((*other)->change_log_id().size(), 32u);
  EXPECT_NE((*other)->change_log_id(), id);
}

// Version 5 counts the live events a file already holds (deleted ones not), so a country and
// period total is right from the first open, and the counts move with writes after it.
TEST(EventStoreMigrationTest, EventsStoredBeforeVersion5AreCountedByCountryAndDay) {
  testing::TempDir dir;
  const std::string path = dir.File("event.db");
  {
    auto db = OpenAtVersion(path, 4);
    ASSERT_TRUE(db.ok()) << db.status();
    // Days 19784 = 2024-03-02, 19790 = 2024-03-08.
    absl::Status written = (*db)->Write([](SqliteConnection& c) -> absl::Status {
      return c.Exec(
          "INSERT INTO events (id, event_day, end_day, country, admin1, event_type, "
          "sub_event_type, fatalities, sequence, event, deleted) VALUES "
          "('evt_1', 19784, 19784, 'HTI', '', 1, '', 0, 1, x'', 0), "
          "('evt_2', 19784, 19790, 'HTI', '', 1, '', 0, 2, x'', 0), "
          "('evt_3', 19784, 19784, 'MLI', '', 1, '', 0, 3, x'', 0), "
          "('evt_4', 19784, 19784, 'HTI', '', 1, '', 0, 4, x'', 1)");
    });
    ASSERT_TRUE(written.ok()) << written;
  }
  auto store = SqliteEventStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto total = [&](std::vector<std::string> countries, const std::string& start) -> int64_t {
    EventQuery query;
    for (const std::string& country : countries) query.filter.add_country_codes(country);
    if (!start.empty()) query.filter.mutable_date_range()->set_start_date(start);
    query.limit = 1;
    auto page = (*store)->List(query);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->total_size : -1;
  };
  EXPECT_EQ(total({}, ""), 3);
  EXPECT_EQ(total({"HTI"}, ""), 2);
  EXPECT_EQ(total({"MLI"}, ""), 1);
  // The event that lasts to 2024-03-08: found through the span version 9 measured.
  EXPECT_EQ(total({"HTI"}, "2024-03-05"), 1);
  EXPECT_EQ(total({"HTI", "MLI"}, "2024-03-02"), 3);

  absl::Status created = (*store)->Write([](EventTransaction& tx) -> absl::Status {
    v1::Event event = StoredEvent();
    event.set_event_date("2024-03-06");
    return tx.Apply(v1::CHANGE_TYPE_CREATED, event).status();
  });
  ASSERT_TRUE(created.ok()) << created;
  EXPECT_EQ(total({}, ""), 4);
  EXPECT_EQ(total({"HTI"}, "2024-03-05"), 2);
}

TEST(EventStoreMigrationTest, AVersion5FileTakesSourceAttributeFiltersAfterOpening) {
  testing::TempDir dir;
  const std::string path = dir.File("event.db");
  {
    auto db = OpenAtVersion(path, 5);
    ASSERT_TRUE(db.ok()) << db.status();
    const std::string blob = StoredEvent().SerializeAsString();
    absl::Status written = (*db)->Write([&](SqliteConnection& c) -> absl::Status {
      auto events = c.Prepare(
          "INSERT INTO events (id, event_day, end_day, country, admin1, event_type, "
          "sub_event_type, fatalities, sequence, event) "
          "VALUES (?, 19784, 19784, 'HTI', '', 1, '', 0, 1, ?)");
      if (!events.ok()) return events.status();
      events->Bind(1, kId).BindBlob(2, blob);
      return events->Run();
    });
    ASSERT_TRUE(written.ok()) << written;
  }
  auto store = SqliteEventStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto ids = [&](const v1::EventFilter& filter) {
    EventQuery query;
    query.filter = filter;
    query.limit = 10;
    auto page = (*store)->List(query);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> found;
    if (page.ok()) {
      for (const v1::Event& event : page->events) found.push_back(event.id());
    }
    return found;
  };
  v1::EventFilter any_tone;
  any_tone.mutable_avg_tone()->set_min(-100);
  EXPECT_TRUE(ids(any_tone).empty());  // the old event has no GDELT attributes
  EXPECT_EQ(ids(v1::EventFilter()).size(), 1u);

  absl::Status created = (*store)->Write([](EventTransaction& tx) -> absl::Status {
    v1::Event event = StoredEvent();
    event.set_id("evt_00000000000000b2");
    event.mutable_gdelt()->set_avg_tone(-2.5);
    return tx.Apply(v1::CHANGE_TYPE_CREATED, event).status();
  });
  ASSERT_TRUE(created.ok()) << created;
  EXPECT_EQ(ids(any_tone), std::vector<std::string>{"evt_00000000000000b2"});
}

// A file written by version 5 (every event in a country) opens at version 7 with its events
// untouched: they are no sea's, and an old event moved out to sea leaves its country's count
// for the every-event total alone.
TEST(EventStoreMigrationTest, EventsStoredBeforeVersion7StayCountryEventsAndMayMoveToSea) {
  testing::TempDir dir;
  const std::string path = dir.File("event.db");
  {
    auto db = OpenAtVersion(path, 5);
    ASSERT_TRUE(db.ok()) << db.status();
    // Without notes and tags, so the row needs no full-text or tag rows beside it.
    v1::Event stored = StoredEvent();
    stored.clear_notes();
    stored.clear_tags();
    const std::string blob = stored.SerializeAsString();
    absl::Status written = (*db)->Write([&](SqliteConnection& c) -> absl::Status {
      auto events = c.Prepare(
          "INSERT INTO events (id, event_day, end_day, country, admin1, event_type, "
          "sub_event_type, fatalities, sequence, event) "
          "VALUES (?, 19784, 19784, 'HTI', '', 1, '', 0, 1, ?)");
      if (!events.ok()) return events.status();
      events->Bind(1, kId).BindBlob(2, blob);
      if (absl::Status s = events->Run(); !s.ok()) return s;
      return c.Exec("INSERT INTO changes (sequence, event_id, type, event) "
                    "SELECT 1, id, 1, event FROM events");
    });
    ASSERT_TRUE(written.ok()) << written;
  }
  auto store = SqliteEventStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto total = [&](const std::function<void(v1::EventFilter&)>& set) -> int64_t {
    EventQuery query;
    set(query.filter);
    query.limit = 10;
    auto page = (*store)->List(query);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->total_size : -1;
  };
  auto all = [](v1::EventFilter& f) { f.mutable_date_range()->set_start_date("2024-01-01"); };
  auto haiti = [](v1::EventFilter& f) {
    f.add_country_codes("HTI");
    f.mutable_date_range()->set_start_date("2024-01-01");
  };
  auto red_sea = [](v1::EventFilter& f) { f.add_maritime_basins("Red Sea"); };
  EXPECT_EQ(total(all), 1);
  EXPECT_EQ(total(haiti), 1);
  EXPECT_EQ(total(red_sea), 0);
  auto live = (*store)->GetLive(kId);
  ASSERT_TRUE(live.ok() && live->has_value());
  EXPECT_EQ((*live)->location().country_code(), "HTI");
  EXPECT_FALSE((*live)->location().has_maritime());

  absl::Status moved = (*store)->Write([&](EventTransaction& tx) -> absl::Status {
    v1::Event event = **live;
    event.mutable_location()->clear_country_code();
    event.mutable_location()->mutable_maritime()->set_basin("Red Sea");
    return tx.Apply(v1::CHANGE_TYPE_UPDATED, event).status();
  });
  ASSERT_TRUE(moved.ok()) << moved;
  EXPECT_EQ(total(all), 1);  // counted once, not twice
  EXPECT_EQ(total(haiti), 0);
  EXPECT_EQ(total(red_sea), 1);
}

// Version 8 (issue 26): changes written before provenance was kept read back with no author and
// no time, the event's history finds them through the new index, and new changes carry theirs.
TEST(EventStoreMigrationTest, ChangesFromBeforeVersion8HaveNoAuthorAndNewOnesHaveTheirs) {
  testing::TempDir dir;
  const std::string path = dir.File("event.db");
  WriteVersion2Database(path);
  auto store = SqliteEventStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->HistoryHorizon(), 0);
  absl::Status updated = (*store)->Write([](EventTransaction& tx) -> absl::Status {
    ChangeAuthor author;
    author.principal = "editor";
    author.reason = "retyped";
    author.time_micros = 1700000000000000;
    tx.set_author(author);
    v1::Event event = StoredEvent();
    event.set_event_type(v1::EVENT_TYPE_RIOTS);
    return tx.Apply(v1::CHANGE_TYPE_UPDATED, event).status();
  });
  ASSERT_TRUE(updated.ok()) << updated;
  auto changes = (*store)->EventChanges(kId, 0, 10);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].sequence, 2);
  EXPECT_EQ((*changes)[0].author.principal, "editor");
  EXPECT_EQ((*changes)[0].author.reason, "retyped");
  EXPECT_EQ((*changes)[0].author.time_micros, 1700000000000000);
  EXPECT_EQ((*changes)[1].sequence, 1);
  EXPECT_EQ((*changes)[1].author.principal, "");
  EXPECT_EQ((*changes)[1].author.time_micros, 0);
  // As of a time before provenance, the old change counts as made at the epoch.
  EXPECT_EQ(*(*store)->SequenceAt(absl::FromUnixSeconds(1)), 1);
}

}  // namespace
}  // namespace lookout::event
