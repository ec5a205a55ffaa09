// Power cuts under load on the SQLite event store, WAL write buffer included.
//
// Every iteration opens the store on what the previous power cut left (recovering it as a
// restart after a crash would), checks it, then runs concurrent creates (half with a
// request_id), updates, deletes and imports from several threads through the real domain code
// (EventManager, EventImporter; participants name actors of a real actor service) and, at a
// random moment, cuts the power (tests/testing/power_cut_vfs.h): the copy of the files the next
// iteration opens holds what was synced and, depending on the iteration, none, a prefix, a
// random torn subset, or all (as kill -9 leaves them) of what was written after. The abandoned
// store is then shut down normally; nothing it does reaches the copy.
//
// A follower (ChangesAfter, as WatchEvents) and a reader (List) run beside them; the changes
// the follower was sent and the sequences the reader was given before the cut must survive it.
//
// A write counts as acknowledged when it returned OK before the cut began (the flag is raised
// before the copy is taken, so an acknowledgement seen before it rests on a sync the copy
// includes). After each cut:
//   - every acknowledged write is there with its content (the event at its version, its change
//     log row, its request id);
//   - a write in flight at the cut is either wholly there or wholly absent: the event at the old
//     or the new version, never a mix, and its index rows (participants, tags, external ids,
//     full-text words), change log row and request id go with it;
//   - no event nobody wrote, none twice;
//   - the change log runs 1..N without a gap, keeps every change the previous check saw byte
//     for byte, ends at each event's last change, and the store serves it to N;
//   - PRAGMA integrity_check and the full-text index's integrity-check pass.
//
// LOOKOUT_POWER_CUT_ITERATIONS (default 30) sets the number of cuts, LOOKOUT_POWER_CUT_SEED the
// random seed (printed). A seed repeats the random choices (operations, cut delays, what each
// cut keeps), not the threads' timing, so it makes a failure likelier to recur, not certain.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/server_runner.h"
#include "common/sqlite_db.h"
#include "common/sqlite_wal_buffer.h"
#include "google/protobuf/util/message_differencer.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "services/actor/actor_manager.h"
#include "services/actor/actor_service.h"
#include "services/actor/sqlite_actor_store.h"
#include "services/event/actor_checker.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"
#include "services/event/sqlite_event_store.h"
#include "tests/testing/power_cut_vfs.h"
#include "tests/testing/temp_dir.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::testing::Loss;
using ::lookout::testing::PowerCut;

constexpr char kToken[] = "test-internal-token";
constexpr char kKeyScheme[] = "powercut";
constexpr char kVersionScheme[] = "powercut-version";
constexpr int kCrudThreads = 3;
constexpr int kImportThreads = 1;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

// The real actor service, wired the way services/actor/main.cc wires it (its files are not
// under the tracked directory: only the event store loses power).
struct ActorServer {
  explicit ActorServer(const std::string& path) {
    auto opened = actor::SqliteActorStore::Open(path);
    EXPECT_TRUE(opened.ok()) << opened.status();
    store = std::move(*opened);
    manager = std::make_unique<actor::ActorManager>(store.get());
    service = std::make_unique<actor::ActorServiceImpl>(manager.get(), InternalAuth(kToken));
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.reflection = false;
    options.metrics_port = -1;
    options.drain_grace = absl::Milliseconds(200);
    runner = std::make_unique<ServerRunner>(options);
    runner->AddService(service.get(), actor::kActorServiceName);
    absl::Status started = runner->Start();
    EXPECT_TRUE(started.ok()) << started;
  }
  ~ActorServer() { runner->Stop(); }

  std::string CreateActor(const std::string& name) {
    actor::v1::CreateActorRequest request;
    request.mutable_actor()->set_name(name);
    request.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
    auto created = manager->CreateActor(request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->actor().id() : "";
  }

  std::unique_ptr<actor::SqliteActorStore> store;
  std::unique_ptr<actor::ActorManager> manager;
  std::unique_ptr<actor::ActorServiceImpl> service;
  std::unique_ptr<ServerRunner> runner;
};

// The word the notes of `key` carry at `version` and at no other: the full-text index must find
// the current version's word on exactly its event and no earlier version's anywhere.
std::string Word(int64_t key, int version) { return absl::StrCat("w", key, "x", version); }

// What entity `key` holds at `version`: every field a write sets is derived from the two, and
// the version is read back from the stored event's external ids.
Event Payload(int64_t key, int version, const std::vector<std::string>& actors) {
  Event event;
  event.set_event_date(absl::StrCat("2024-03-", 10 + version % 18));
  event.set_event_type(version % 2 == 0 ? v1::EVENT_TYPE_BATTLES : v1::EVENT_TYPE_PROTESTS);
  event.mutable_location()->set_country_code("HTI");
  event.mutable_location()->set_admin1(absl::StrCat("Dept ", version % 4));
  for (int i = 0; i < 1 + (key + version) % 3; ++i) {
    auto* participant = event.add_participants();
    participant->set_actor_id(actors[(key + version + i) % actors.size()]);
    participant->set_role(i == 0 ? v1::PARTICIPANT_ROLE_PRIMARY : v1::PARTICIPANT_ROLE_SECONDARY);
  }
  // A few KB, so an event spans pages and a commit many WAL frames.
  event.set_notes(absl::StrCat("entity k", key, " version v", version, " ", Word(key, version), " ",
                               std::string(500 + (key * 37 + version * 101) % 3000, 'n')));
  event.add_tags(absl::StrCat("t", version % 5));
  event.add_tags(absl::StrCat("k", key % 7));
  auto* id = event.add_external_ids();
  id->set_scheme(kKeyScheme);
  id->set_value(absl::StrCat(key));
  auto* version_id = event.add_external_ids();
  version_id->set_scheme(kVersionScheme);
  version_id->set_value(absl::StrCat(key, ".", version));
  return event;
}

// The fields Payload sets, of a stored event.
Event WrittenFields(const Event& stored) {
  Event fields = stored;
  fields.clear_id();
  fields.clear_create_time();
  fields.clear_update_time();
  fields.clear_sequence();
  fields.clear_etag();
  fields.clear_fatalities();
  fields.clear_date_precision();
  return fields;
}

// The key and version a stored event carries (-1 when it carries none).
std::pair<int64_t, int> KeyAndVersion(const Event& event) {
  int64_t key = -1;
  int version = -1;
  for (const auto& id : event.external_ids()) {
    if (id.scheme() == kKeyScheme) key = std::atoll(id.value().c_str());
    if (id.scheme() == kVersionScheme)
      version = std::atoi(id.value().substr(id.value().find('.') + 1).c_str());
  }
  return {key, version};
}

// One entity of the model: its acknowledged state and the write in flight at the cut, if any.
struct Entity {
  int64_t key = 0;
  std::string id;   // known once its creation is acknowledged or found after a cut
  int version = 0;  // acknowledged: 0 = not created
  bool deleted = false;
  std::string request_id;  // its create's, if it had one
  // The sequence of the last acknowledged change (0 when unknown: found after a cut).
  int64_t acked_sequence = 0;
  bool pending = false;
  int pending_version = 0;
  bool pending_delete = false;
};

struct State {
  int version;
  bool deleted;
  bool operator==(const State& other) const {
    return version == other.version && deleted == other.deleted;
  }
};

class EventStorePowerCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PowerCut::Install();
    // The writer's WAL write buffer must sit on top of the power cut (it wraps whatever VFS was
    // the default when it registered), or its writes would escape the simulation.
    sqlite3_vfs* buffer = sqlite3_vfs_find(WalWriteBufferVfs());
    ASSERT_NE(buffer, nullptr);
    ASSERT_EQ(buffer->pAppData, sqlite3_vfs_find(nullptr)) << "the WAL buffer bypasses the cut";
    ASSERT_STREQ(sqlite3_vfs_find(nullptr)->zName, "lookout-power-cut");
    actor_dir_ = std::make_unique<testing::TempDir>();
    actors_server_ = std::make_unique<ActorServer>(actor_dir_->File("actor.db"));
    for (int i = 0; i < 5; ++i)
      actors_.push_back(actors_server_->CreateActor(absl::StrCat("Gang ", i)));
    checker_ = std::make_unique<GrpcActorChecker>(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", actors_server_->runner->port()),
                            grpc::InsecureChannelCredentials()),
        nullptr, ActorCheckerOptions{.internal_token = kToken});
  }

  std::unique_ptr<SqliteEventStore> OpenStore(const std::string& path) {
    SqliteDatabase::Options options;
    options.path = path;
    // Small limits, so a short run checkpoints into the database file and restarts the WAL
    // (writing it over from the start) many times.
    options.checkpoint_frames = 40;
    options.wal_limit_frames = 120;
    options.read_connections = 4;
    auto store = SqliteEventStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // A CRUD thread: creates, updates and deletes its own entities until the cut.
  void CrudLoop(EventManager& manager, std::vector<Entity>& mine, std::mt19937_64 rng) {
    while (!cut_.load()) {
      const int choice = std::uniform_int_distribution<int>(0, 9)(rng);
      std::vector<Entity*> live;
      for (Entity& e : mine) {
        if (e.version > 0 && !e.deleted) live.push_back(&e);
      }
      if (choice < 4 || live.empty()) {
        Entity& e = mine.emplace_back();
        e.key = next_key_.fetch_add(1);
        if (choice % 2 == 0) e.request_id = absl::StrCat("req-", e.key);
        e.pending = true;
        e.pending_version = 1;
        auto created = manager.Create(Payload(e.key, 1, actors_), e.request_id);
        if (cut_.load()) return;
        ASSERT_TRUE(created.ok()) << created.status();
        e.id = created->id();
        e.version = 1;
        e.acked_sequence = created->sequence();
        e.pending = false;
        continue;
      }
      Entity& e = *live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(rng)];
      if (choice < 8) {
        Event update = Payload(e.key, e.version + 1, actors_);
        update.set_id(e.id);
        google::protobuf::FieldMask mask;
        for (const char* path : {"event_date", "event_type", "location", "participants", "notes",
                                 "tags", "external_ids"}) {
          mask.add_paths(path);
        }
        e.pending = true;
        e.pending_version = e.version + 1;
        auto updated = manager.Update(update, mask);
        if (cut_.load()) return;
        ASSERT_TRUE(updated.ok()) << updated.status();
        e.version = e.pending_version;
        e.acked_sequence = updated->sequence();
        e.pending = false;
      } else {
        e.pending = true;
        e.pending_version = e.version;
        e.pending_delete = true;
        absl::Status deleted = manager.Delete(e.id, "");
        if (cut_.load()) return;
        ASSERT_TRUE(deleted.ok()) << deleted;
        e.deleted = true;
        e.acked_sequence = 0;
        e.pending = false;
        e.pending_delete = false;
      }
    }
  }

  // An import thread: imports of a few rows (batches of 3, so an import commits several
  // times) that create new entities and, by external id, update its live ones.
  void ImportLoop(EventImporter& importer, std::vector<Entity>& mine, std::mt19937_64 rng) {
    while (!cut_.load()) {
      v1::ImportOptions options;
      options.set_upsert_by_external_id(true);
      EventImporter::Session session = importer.Start(options);
      const int rows = std::uniform_int_distribution<int>(2, 10)(rng);
      std::vector<size_t>& touched = import_rows_[&mine - &entities_[kCrudThreads]];
      touched.clear();
      std::set<size_t> seen;
      for (int r = 0; r < rows; ++r) {
        std::vector<size_t> live;
        for (size_t i = 0; i < mine.size(); ++i) {
          if (mine[i].version > 0 && !mine[i].deleted && !seen.count(i)) live.push_back(i);
        }
        size_t index;
        if (live.empty() || std::bernoulli_distribution(0.5)(rng)) {
          index = mine.size();
          Entity& e = mine.emplace_back();
          e.key = next_key_.fetch_add(1);
        } else {
          index = live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(rng)];
        }
        seen.insert(index);
        Entity& e = mine[index];
        e.pending = true;
        e.pending_version = e.version + 1;
        touched.push_back(index);
        Event row = Payload(e.key, e.pending_version, actors_);
        absl::Status added = session.Add(&row);
        if (cut_.load()) return;
        ASSERT_TRUE(added.ok()) << added;
      }
      auto finished = session.Finish();
      if (cut_.load()) return;
      ASSERT_TRUE(finished.ok()) << finished.status();
      ASSERT_EQ(finished->rejected(), 0) << finished->DebugString();
      ASSERT_EQ(finished->created() + finished->updated(), rows) << finished->DebugString();
      for (size_t index : touched) {
        Entity& e = mine[index];
        e.version = e.pending_version;
        e.acked_sequence = 0;  // an import reports no sequences
        e.pending = false;
      }
      touched.clear();
    }
  }

  // A follower and a reader, as clients of WatchEvents, GetEvent and ListEvents: what they were
  // given before the cut must survive it (the store serves and hands out durable changes
  // only). Their reads also hold snapshots that delay restarts of the WAL, which then grows
  // past its bound and is cut back.
  void ReadLoop(SqliteEventStore& store) {
    auto head = store.HeadSequence();
    ASSERT_TRUE(head.ok()) << head.status();
    int64_t after = *head;
    while (!cut_.load()) {
      auto changes = store.ChangesAfter(after, std::numeric_limits<int64_t>::max(), 50);
      if (cut_.load()) return;
      ASSERT_TRUE(changes.ok()) << changes.status();
      for (Change& change : *changes) {
        ASSERT_EQ(change.sequence, after + 1) << "the follower skipped a change";
        after = change.sequence;
        served_[change.sequence] = {change.type, std::move(change.event_bytes)};
      }
      EventQuery query;
      query.limit = 20;
      auto page = store.List(query);
      if (cut_.load()) return;
      ASSERT_TRUE(page.ok()) << page.status();
      for (const Event& event : page->events) {
        highest_read_sequence_ = std::max(highest_read_sequence_, event.sequence());
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  }

  // Checks the recovered store against the model and against itself; resolves each write in
  // flight at the cut to what the store kept.
  void Verify(SqliteEventStore& store, const std::string& path, int iteration);

  std::unique_ptr<testing::TempDir> actor_dir_;
  std::unique_ptr<ActorServer> actors_server_;
  std::vector<std::string> actors_;
  std::unique_ptr<GrpcActorChecker> checker_;
  std::atomic<bool> cut_{false};
  std::atomic<int64_t> next_key_{1};
  std::vector<std::vector<Entity>> entities_{kCrudThreads + kImportThreads};
  // Per import thread: the rows (indexes into its entities) of the import in flight, in order.
  std::vector<std::vector<size_t>> import_rows_{kImportThreads};
  // The change log as the previous check saw it: sequence i+1 at index i (type, event bytes).
  std::vector<std::pair<int64_t, std::string>> changes_seen_;
  int64_t in_flight_resolved_present_ = 0;
  int64_t in_flight_resolved_absent_ = 0;
  std::string last_cut_;  // the VFS's account of the last cut, for failure messages
  // Changes the follower was sent before the cut (type, event bytes), by sequence, and the
  // highest sequence a List answer carried: each must be in the recovered log.
  std::map<int64_t, std::pair<int64_t, std::string>> served_;
  int64_t highest_read_sequence_ = 0;
  int64_t served_total_ = 0;
};

void EventStorePowerCutTest::Verify(SqliteEventStore& store, const std::string& path,
                                    int iteration) {
  SCOPED_TRACE(absl::StrCat("after power cut ", iteration));
  auto opened = SqliteConnection::Open(path, /*read_only=*/false);
  ASSERT_TRUE(opened.ok()) << opened.status();
  SqliteConnection& db = **opened;

  {
    auto check = db.Prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.ok()) << check.status();
    std::string result;
    while (*check->Step()) result += check->Text(0) + "\n";
    ASSERT_EQ(result, "ok\n");
  }
  ASSERT_TRUE(db.Exec("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')").ok());

  // The change log: 1..N, no gap; what the previous check saw is unchanged.
  std::vector<std::tuple<int64_t, std::string, int64_t, std::string>> changes;
  {
    auto rows = db.Prepare("SELECT sequence, event_id, type, event FROM changes ORDER BY sequence");
    ASSERT_TRUE(rows.ok()) << rows.status();
    while (*rows->Step()) {
      changes.emplace_back(rows->Int64(0), rows->Text(1), rows->Int64(2), rows->Blob(3));
    }
  }
  for (size_t i = 0; i < changes.size(); ++i) {
    ASSERT_EQ(std::get<0>(changes[i]), static_cast<int64_t>(i) + 1) << "a gap in the change log";
  }
  ASSERT_GE(changes.size(), changes_seen_.size()) << "changes a previous check saw are gone";
  for (size_t i = 0; i < changes_seen_.size(); ++i) {
    ASSERT_EQ(std::get<2>(changes[i]), changes_seen_[i].first) << "change " << i + 1;
    ASSERT_EQ(std::get<3>(changes[i]), changes_seen_[i].second) << "change " << i + 1;
  }
  {
    auto last = db.Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
    ASSERT_TRUE(last.ok());
    if (*last->Step()) {
      EXPECT_EQ(last->Int64(0), static_cast<int64_t>(changes.size()))
          << "the next change would not follow the last";
    }
  }
  EXPECT_EQ(*store.HeadSequence(), static_cast<int64_t>(changes.size()));
  auto served = store.ChangesAfter(0, changes.size(), changes.size() + 10);
  ASSERT_TRUE(served.ok()) << served.status();
  ASSERT_EQ(served->size(), changes.size());
  // Each event's changes: CREATED, then UPDATED, then at most one DELETED, last.
  std::map<std::string, std::vector<size_t>> changes_of;
  for (size_t i = 0; i < changes.size(); ++i) changes_of[std::get<1>(changes[i])].push_back(i);

  // The events, by key.
  struct Row {
    int64_t pk;
    std::string id;
    bool deleted;
    int64_t sequence;
    std::string blob;
    Event event;
  };
  std::map<int64_t, Row> by_key;
  std::set<std::tuple<std::string, std::string>> want_actors, want_tags;
  std::set<std::tuple<std::string, std::string, std::string>> want_external_ids;
  {
    auto rows = db.Prepare("SELECT pk, id, deleted, sequence, event FROM events");
    ASSERT_TRUE(rows.ok()) << rows.status();
    while (*rows->Step()) {
      Row row{rows->Int64(0), rows->Text(1), rows->Int64(2) != 0,
              rows->Int64(3), rows->Blob(4), {}};
      ASSERT_TRUE(row.event.ParseFromString(row.blob));
      const auto [key, version] = KeyAndVersion(row.event);
      ASSERT_GT(key, 0) << "an event nobody wrote: " << row.id;
      ASSERT_TRUE(by_key.emplace(key, row).second) << "entity " << key << " stored twice";
      // Its last change is the one it records, with the same bytes.
      const auto& own = changes_of[row.id];
      ASSERT_FALSE(own.empty()) << row.id << " has no change";
      const auto& last = changes[own.back()];
      EXPECT_EQ(std::get<0>(last), row.sequence) << row.id;
      EXPECT_EQ(row.event.sequence(), row.sequence) << row.id;
      EXPECT_EQ(std::get<3>(last), row.blob) << row.id;
      const int64_t last_type = row.deleted       ? v1::CHANGE_TYPE_DELETED
                                : own.size() == 1 ? v1::CHANGE_TYPE_CREATED
                                                  : v1::CHANGE_TYPE_UPDATED;
      EXPECT_EQ(std::get<2>(last), last_type) << row.id;
      EXPECT_EQ(std::get<2>(changes[own.front()]), v1::CHANGE_TYPE_CREATED) << row.id;
      if (row.deleted) continue;
      for (const auto& p : row.event.participants()) want_actors.emplace(p.actor_id(), row.id);
      for (const auto& t : row.event.tags()) want_tags.emplace(t, row.id);
      for (const auto& x : row.event.external_ids()) {
        want_external_ids.emplace(x.scheme(), x.value(), row.id);
      }
    }
  }
  // No change names an event that is not stored.
  {
    std::set<std::string> stored;
    for (const auto& [key, row] : by_key) stored.insert(row.id);
    for (const auto& [id, own] : changes_of) {
      EXPECT_TRUE(stored.count(id)) << "changes of " << id << ", which is not stored";
    }
  }
  // The index rows are exactly those of the live events.
  {
    std::set<std::tuple<std::string, std::string>> got_actors, got_tags;
    std::set<std::tuple<std::string, std::string, std::string>> got_external_ids;
    auto a = db.Prepare("SELECT actor_id, event_id FROM event_actors");
    while (*a->Step()) got_actors.emplace(a->Text(0), a->Text(1));
    auto t = db.Prepare("SELECT tag, event_id FROM event_tags");
    while (*t->Step()) got_tags.emplace(t->Text(0), t->Text(1));
    auto x = db.Prepare("SELECT scheme, value, event_id FROM event_external_ids");
    while (*x->Step()) got_external_ids.emplace(x->Text(0), x->Text(1), x->Text(2));
    EXPECT_EQ(got_actors, want_actors);
    EXPECT_EQ(got_tags, want_tags);
    EXPECT_EQ(got_external_ids, want_external_ids);
  }

  // An import in flight kept whole batches (3 rows, the last may be shorter), oldest first:
  // its rows found at their new version are a prefix ending at a batch boundary.
  for (int t = 0; t < kImportThreads; ++t) {
    const std::vector<Entity>& mine = entities_[kCrudThreads + t];
    std::string applied;  // one letter per row: 'y' at its new version, 'n' not
    for (size_t index : import_rows_[t]) {
      const Entity& e = mine[index];
      auto it = by_key.find(e.key);
      const bool at_new = it != by_key.end() && !it->second.deleted &&
                          KeyAndVersion(it->second.event).second == e.pending_version;
      applied += at_new ? 'y' : 'n';
    }
    const size_t kept = applied.find('n') == std::string::npos ? applied.size() : applied.find('n');
    EXPECT_EQ(applied.find('y', kept), std::string::npos) << "import rows kept: " << applied;
    EXPECT_TRUE(kept % 3 == 0 || kept == applied.size()) << "import rows kept: " << applied;
    import_rows_[t].clear();
  }
  // The model: each entity is at its acknowledged state or, when a write was in flight, at the
  // state that write would have made; nothing in between.
  size_t modelled = 0;
  for (std::vector<Entity>& group : entities_) {
    for (Entity& e : group) {
      SCOPED_TRACE(absl::StrCat("entity ", e.key));
      auto it = by_key.find(e.key);
      State found{0, false};
      if (it != by_key.end()) {
        ++modelled;
        found = State{KeyAndVersion(it->second.event).second, it->second.deleted};
      }
      const State acked{e.version, e.deleted};
      const State in_flight{e.pending_version, e.pending_delete};
      if (!(found == acked)) {
        std::string log;
        for (const auto& change : changes) {
          if (it != by_key.end() && std::get<1>(change) == it->second.id) {
            Event logged;
            logged.ParseFromString(std::get<3>(change));
            absl::StrAppend(&log, " ", std::get<0>(change), ":", std::get<2>(change), ":v",
                            KeyAndVersion(logged).second);
          }
        }
        ASSERT_TRUE(e.pending && found == in_flight)
            << "found version " << found.version << (found.deleted ? " deleted" : "")
            << "; acknowledged " << acked.version << (acked.deleted ? " deleted" : "")
            << " (change " << e.acked_sequence << "); in flight: " << e.pending << "; thread group "
            << (&group - &entities_[0]) << "; its changes:" << log << "; last cut: " << last_cut_;
      }
      if (e.pending)
        ++(found == in_flight ? in_flight_resolved_present_ : in_flight_resolved_absent_);
      if (found.version > 0) {
        const Row& row = it->second;
        if (!e.id.empty()) {
          ASSERT_EQ(row.id, e.id);
        }
        Event want = Payload(e.key, found.version, actors_);
        EXPECT_TRUE(
            google::protobuf::util::MessageDifferencer::Equals(WrittenFields(row.event), want))
            << WrittenFields(row.event).DebugString() << "\nwant\n"
            << want.DebugString();
        if (found == acked && e.acked_sequence > 0) {
          // The acknowledged change is in the log under the sequence the client was given.
          ASSERT_LE(e.acked_sequence, static_cast<int64_t>(changes.size()));
          EXPECT_EQ(std::get<1>(changes[e.acked_sequence - 1]), row.id);
        }
        // The full-text index finds this version's word on this event only, and no earlier one.
        auto match = db.Prepare("SELECT rowid FROM events_fts WHERE events_fts MATCH ?");
        ASSERT_TRUE(match.ok()) << match.status();
        match->Bind(1, Word(e.key, found.version));
        std::vector<int64_t> rowids;
        while (*match->Step()) rowids.push_back(match->Int64(0));
        EXPECT_EQ(rowids, found.deleted ? std::vector<int64_t>{} : std::vector<int64_t>{row.pk});
        if (found.version > 1) {
          auto older = db.Prepare("SELECT count(*) FROM events_fts WHERE events_fts MATCH ?");
          older->Bind(1, Word(e.key, found.version - 1));
          ASSERT_TRUE(*older->Step());
          EXPECT_EQ(older->Int64(0), 0);
        }
        e.id = row.id;
      }
      // A create's request id is recorded exactly when the create is.
      if (!e.request_id.empty()) {
        auto request = store.FindRequest(e.request_id);
        ASSERT_TRUE(request.ok()) << request.status();
        EXPECT_EQ(request->has_value(), found.version > 0);
        if (request->has_value()) {
          EXPECT_EQ((*request)->result.id(), e.id);
        }
      }
      e.version = found.version;
      e.deleted = found.deleted;
      e.pending = false;
      e.pending_delete = false;
    }
  }
  EXPECT_EQ(modelled, by_key.size()) << "stored events the model does not know";
  {
    auto orphans = db.Prepare(
        "SELECT count(*) FROM request_ids WHERE event_id NOT IN (SELECT id FROM events)");
    ASSERT_TRUE(*orphans->Step());
    EXPECT_EQ(orphans->Int64(0), 0);
  }
  // What the follower was sent, and every sequence a read handed out, survived.
  ASSERT_GE(static_cast<int64_t>(changes.size()), highest_read_sequence_)
      << "a read handed out a sequence the power cut took back";
  for (const auto& [sequence, change] : served_) {
    ASSERT_LE(sequence, static_cast<int64_t>(changes.size()))
        << "the follower was sent change " << sequence << ", which the power cut took back";
    EXPECT_EQ(std::get<2>(changes[sequence - 1]), change.first) << "change " << sequence;
    EXPECT_EQ(std::get<3>(changes[sequence - 1]), change.second) << "change " << sequence;
  }
  served_total_ += static_cast<int64_t>(served_.size());
  served_.clear();
  changes_seen_.clear();
  for (const auto& change : changes)
    changes_seen_.emplace_back(std::get<2>(change), std::get<3>(change));
}

TEST_F(EventStorePowerCutTest, AcknowledgedWritesSurviveAndNothingIsHalfThere) {
  const int iterations = EnvInt("LOOKOUT_POWER_CUT_ITERATIONS", 30);
  const uint64_t seed = static_cast<uint64_t>(EnvInt(
      "LOOKOUT_POWER_CUT_SEED", static_cast<int>(absl::ToUnixMicros(absl::Now()) & 0x7fffffff)));
  std::cout << "power cut test: seed " << seed << " (LOOKOUT_POWER_CUT_SEED), " << iterations
            << " iterations (LOOKOUT_POWER_CUT_ITERATIONS)" << std::endl;
  std::mt19937_64 rng(seed);
  testing::TempDir root;
  std::string dir = root.File("run0");
  std::filesystem::create_directories(dir);
  int64_t total_acked = 0, total_unsynced = 0, total_kept = 0, total_torn = 0;
  for (int iteration = 1; iteration <= iterations; ++iteration) {
    PowerCut::Install().Track(dir);
    std::unique_ptr<SqliteEventStore> store = OpenStore(dir + "/event.db");
    ASSERT_NE(store, nullptr);
    if (iteration > 1) {
      Verify(*store, dir + "/event.db", iteration - 1);
      if (HasFatalFailure() || HasFailure()) return;
    }
    EventManager manager(store.get(), checker_.get(), nullptr);
    EventImporter importer(store.get(), checker_.get(), nullptr, absl::Now, /*batch_size=*/3);
    cut_ = false;
    std::vector<std::thread> threads;
    for (int t = 0; t < kCrudThreads; ++t) {
      threads.emplace_back(
          [&, t, s = rng()] { CrudLoop(manager, entities_[t], std::mt19937_64(s)); });
    }
    for (int t = 0; t < kImportThreads; ++t) {
      threads.emplace_back([&, t, s = rng()] {
        ImportLoop(importer, entities_[kCrudThreads + t], std::mt19937_64(s));
      });
    }
    threads.emplace_back([&] { ReadLoop(*store); });
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(30, 400)(rng)));
    const Loss loss = static_cast<Loss>(iteration % 4);
    const std::string next = root.File(absl::StrCat("run", iteration));
    // Raised before the copy is taken: a write whose thread sees it still down was synced
    // before the cut.
    cut_ = true;
    testing::CutReport report = PowerCut::Install().Cut(next, loss, rng);
    last_cut_ = report.detail;
    for (std::thread& thread : threads) thread.join();
    store.reset();  // the abandoned store shuts down; none of it reaches `next`
    std::filesystem::remove_all(dir);
    dir = next;
    int64_t acked = 0;
    for (const auto& group : entities_) {
      for (const Entity& e : group) acked += e.version > 0 ? 1 : 0;
    }
    total_acked = acked;
    total_unsynced += report.unsynced_writes;
    total_kept += report.kept_writes;
    total_torn += report.torn_writes;
    std::cout << "cut " << iteration << " (" << testing::LossName(loss) << "): " << report.files
              << " files, " << report.unsynced_writes << " unsynced writes, " << report.kept_writes
              << " kept, " << report.torn_writes << " torn; " << report.detail << std::endl;
    if (HasFatalFailure()) return;
  }
  PowerCut::Install().Track(dir);
  std::unique_ptr<SqliteEventStore> store = OpenStore(dir + "/event.db");
  ASSERT_NE(store, nullptr);
  Verify(*store, dir + "/event.db", iterations);
  std::cout << "power cut test: " << iterations << " cuts, " << total_acked << " entities created, "
            << changes_seen_.size()
            << " changes; writes in flight at a cut: " << in_flight_resolved_present_ << " kept, "
            << in_flight_resolved_absent_ << " lost; unsynced writes " << total_unsynced
            << ", kept " << total_kept << ", torn " << total_torn
            << "; changes sent to the follower before a cut " << served_total_ << std::endl;
}

}  // namespace
}  // namespace lookout::event
