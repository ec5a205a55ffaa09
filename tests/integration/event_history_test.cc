// History and provenance (issue 26) on both storage backends, through the event domain
// (EventManager) and the change feed WatchEvents serves: who, which request, why and when for
// every change; an event's revisions through create, updates and delete; as-of reads checked
// against a replay of the change feed over random histories of many events; compaction keeping
// every current state and every follower's resume point.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "event_filter/matcher.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/event/change_feed.h"
#include "services/event/change_notifier.h"
#include "services/event/event_history.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"
#include "services/event/event_store_factory.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::event {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::lookout::event::v1::Event;

Event NewEvent(int i) {
  Event event;
  event.set_event_date(absl::StrCat("2024-0", 1 + i % 9, "-1", i % 10));
  event.set_event_type(v1::EVENT_TYPE_BATTLES);
  event.set_sub_event_type("Armed clash");
  event.mutable_location()->set_country_code(i % 3 == 0 ? "HTI" : "MLI");
  event.set_notes(absl::StrCat("event ", i));
  return event;
}

ChangeAuthor Author(const std::string& principal, const std::string& reason) {
  ChangeAuthor author;
  author.principal = principal;
  author.request_id = absl::StrCat("req-", principal);
  author.reason = reason;
  return author;
}

google::protobuf::FieldMask Mask(const std::string& path) {
  google::protobuf::FieldMask mask;
  mask.add_paths(path);
  return mask;
}

// What a WatchEvents stream from `after` sends, replayed: event id -> state (nullopt: deleted),
// with every state after each sequence recorded in `states_at` when given.
struct Replay {
  std::map<std::string, std::optional<Event>> live;
  int64_t last = 0;
};

class EventHistoryTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    auto opened = OpenEventStore(location_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    notifier_ = std::make_unique<ChangeNotifier>(*store_->HeadSequence());
    store_->SetCommitListener([n = notifier_.get()](int64_t head) { n->Publish(head); });
    // No participants in these events: the actor checker is never asked.
    manager_ = std::make_unique<EventManager>(store_.get(), nullptr, nullptr,
                                              [this] { return now_; });
    ChangeFeedOptions options;
    options.batch_size = 7;  // many batches
    feed_ = std::make_unique<ChangeFeed>(store_.get(), notifier_.get(), options);
  }
  void TearDown() override {
    feed_.reset();
    if (store_ != nullptr) store_->SetCommitListener(nullptr);
  }

  int64_t Head() { return *store_->HeadSequence(); }

  // Every message a finite WatchEvents from `after` sends (after_etag checked when given).
  absl::StatusOr<std::vector<v1::WatchEventsResponse>> Watch(int64_t after,
                                                             const std::string& etag = "") {
    v1::WatchEventsRequest request;
    request.set_after_sequence(after);
    request.set_after_etag(etag);
    if (absl::Status s = feed_->CheckRequest(request); !s.ok()) return s;
    ChangeFeed::Position position;
    std::vector<v1::WatchEventsResponse> all;
    while (true) {
      auto batch = feed_->ReadBatch(request, &position);
      if (!batch.ok()) return batch.status();
      for (auto& change : batch->changes) {
        // Pass-through messages carry the event as an unknown field: round-trip to parse it.
        v1::WatchEventsResponse parsed;
        EXPECT_TRUE(parsed.ParseFromString(change.SerializeAsString()));
        all.push_back(std::move(parsed));
      }
      if (!batch->more) break;
    }
    return all;
  }

  static void Apply(const v1::WatchEventsResponse& change, Replay* replay) {
    if (change.type() == v1::CHANGE_TYPE_DELETED) {
      replay->live[change.event().id()] = std::nullopt;
    } else {
      replay->live[change.event().id()] = change.event();
    }
    replay->last = change.sequence();
  }

  // Checks every as-of read at `as_of` against `replay` (the state right after it).
  void ExpectAsOfEqualsReplay(int64_t as_of, const Replay& replay) {
    SCOPED_TRACE(absl::StrCat("as_of_sequence ", as_of));
    for (const auto& [id, state] : replay.live) {
      auto got = manager_->Get(id, as_of);
      if (!state.has_value()) {
        EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound) << id;
        continue;
      }
      ASSERT_TRUE(got.ok()) << id << ": " << got.status();
      EXPECT_TRUE(MessageDifferencer::Equals(*got, *state)) << id;
    }
    // ListEvents as of then, every page, with and without a filter, in two orders.
    for (const std::string& country : {std::string(), std::string("HTI")}) {
      for (const char* order : {"event_date desc", "event_date asc", "fatalities desc"}) {
        v1::ListEventsRequest request;
        request.set_as_of_sequence(as_of);
        request.set_page_size(4);
        request.set_order_by(order);
        if (!country.empty()) request.mutable_filter()->add_country_codes(country);
        std::vector<std::string> listed;
        for (int page = 0; page < 1000; ++page) {
          auto response = manager_->List(request);
          ASSERT_TRUE(response.ok()) << response.status();
          for (const Event& event : response->events()) {
            listed.push_back(event.id());
            auto expected = replay.live.find(event.id());
            ASSERT_NE(expected, replay.live.end());
            ASSERT_TRUE(expected->second.has_value()) << event.id() << " was deleted then";
            EXPECT_TRUE(MessageDifferencer::Equals(event, *expected->second));
          }
          if (response->next_page_token().empty()) break;
          request.set_page_token(response->next_page_token());
        }
        std::vector<std::string> expected_ids;
        for (const auto& [id, state] : replay.live) {
          if (state.has_value() && (country.empty() || state->location().country_code() == country))
            expected_ids.push_back(id);
        }
        std::sort(listed.begin(), listed.end());
        EXPECT_EQ(listed, expected_ids) << order << " " << country;
      }
    }
  }

  // A random history: creates, updates (notes, fatalities, date) and deletes of `events` events.
  std::vector<std::string> RandomHistory(int events, int changes, uint32_t seed) {
    std::mt19937 random(seed);
    std::vector<std::string> ids, live;
    for (int i = 0; i < changes; ++i) {
      now_ += absl::Seconds(1);
      const int choice = static_cast<int>(random() % 10);
      if (static_cast<int>(ids.size()) < events && (live.empty() || choice < 3)) {
        auto created = manager_->Create(NewEvent(i), "", nullptr, Author("editor", ""));
        EXPECT_TRUE(created.ok()) << created.status();
        ids.push_back(created->id());
        live.push_back(created->id());
      } else if (!live.empty() && choice < 9) {
        Event change;
        change.set_id(live[random() % live.size()]);
        change.set_notes(absl::StrCat("notes ", i));
        change.set_event_date(absl::StrCat("2023-1", random() % 3, "-0", 1 + random() % 9));
        google::protobuf::FieldMask mask;
        mask.add_paths("notes");
        mask.add_paths("event_date");
        auto updated = manager_->Update(change, mask, nullptr, Author("admin", "fix"));
        EXPECT_TRUE(updated.ok()) << updated.status();
      } else if (!live.empty()) {
        const size_t k = random() % live.size();
        EXPECT_TRUE(manager_->Delete(live[k], "", Author("admin", "duplicate")).ok());
        live.erase(live.begin() + k);
      }
    }
    return ids;
  }

  lookout::testing::TempDir dir_;
  const StoreLocation location_ =
      lookout::testing::TestStoreLocation(GetParam(), dir_.File("event.db"), "event");
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ChangeNotifier> notifier_;
  std::unique_ptr<EventManager> manager_;
  std::unique_ptr<ChangeFeed> feed_;
};

TEST_P(EventHistoryTest, EveryChangeCarriesItsAuthorReasonRequestAndTimeInTheFeed) {
  now_ = absl::FromUnixMicros(1700000000123456);
  auto created = manager_->Create(NewEvent(1), "", nullptr, Author("editor", "first report"));
  ASSERT_TRUE(created.ok()) << created.status();
  now_ += absl::Minutes(5);
  Event change;
  change.set_id(created->id());
  change.set_notes("corrected");
  ASSERT_TRUE(manager_->Update(change, Mask("notes"), nullptr, Author("admin", "")).ok());
  now_ += absl::Minutes(5);
  ASSERT_TRUE(manager_->Delete(created->id(), "", Author("admin", "duplicate of evt_x")).ok());

  auto changes = Watch(0);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 3u);
  const auto& p = (*changes)[0].provenance();
  EXPECT_EQ(p.principal(), "editor");
  EXPECT_EQ(p.request_id(), "req-editor");
  EXPECT_EQ(p.reason(), "first report");
  EXPECT_EQ(p.time().seconds(), 1700000000);
  EXPECT_EQ(p.time().nanos(), 123456000);
  EXPECT_EQ((*changes)[1].provenance().principal(), "admin");
  EXPECT_EQ((*changes)[1].provenance().reason(), "");
  EXPECT_EQ((*changes)[1].provenance().time().seconds(), 1700000300);
  EXPECT_EQ((*changes)[2].provenance().reason(), "duplicate of evt_x");
  EXPECT_EQ((*changes)[2].type(), v1::CHANGE_TYPE_DELETED);
}

TEST_P(EventHistoryTest, AnImportsReasonIsKeptWithEveryRowItWrites) {
  EventImporter importer(store_.get(), nullptr, nullptr, [this] { return now_; },
                         /*batch_size=*/2);
  v1::ImportOptions options;
  options.set_reason("UCDP GED 24.1 release");
  EventImporter::Session session = importer.Start(options);
  for (int i = 0; i < 5; ++i) {
    Event event = NewEvent(i);
    event.add_external_ids()->set_scheme("UCDP");
    event.mutable_external_ids(0)->set_value(absl::StrCat(i));
    ASSERT_TRUE(session.Add(&event).ok());
  }
  auto done = session.Finish();
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->created(), 5);
  auto changes = Watch(0);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 5u);
  for (const auto& change : *changes) {
    EXPECT_EQ(change.provenance().reason(), "UCDP GED 24.1 release");
    EXPECT_EQ(change.provenance().time().seconds(), absl::ToUnixSeconds(now_));
  }
}

TEST_P(EventHistoryTest, ABadReasonIsRefusedNamingTheFieldAndNothingIsWritten) {
  auto created = manager_->Create(NewEvent(1), "", nullptr, Author("editor", ""));
  ASSERT_TRUE(created.ok());
  const int64_t head = Head();
  for (const std::string& reason :
       {std::string("line\nbreak"), std::string("tab\there"), std::string("bell\x07"),
        std::string(kMaxReasonLength + 1, 'x'), std::string("\xff\xfe")}) {
    SCOPED_TRACE(reason);
    auto c = manager_->Create(NewEvent(2), "", nullptr, Author("editor", reason));
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(errors::FieldOf(c.status()), "reason");
    Event change;
    change.set_id(created->id());
    change.set_notes("x");
    auto u = manager_->Update(change, Mask("notes"), nullptr, Author("editor", reason));
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(errors::FieldOf(u.status()), "reason");
    auto d = manager_->Delete(created->id(), "", Author("editor", reason));
    EXPECT_EQ(d.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(errors::FieldOf(d), "reason");
  }
  EXPECT_EQ(Head(), head);
  // The longest allowed reason, in several scripts, is fine.
  std::string longest = "Correction d'après le rapport — ";
  longest.resize(kMaxReasonLength, 'x');
  EXPECT_TRUE(manager_->Create(NewEvent(3), "", nullptr, Author("editor", longest)).ok());
}

TEST_P(EventHistoryTest, RevisionsListCreateUpdatesAndDeleteNewestFirstWithChangedFields) {
  auto created = manager_->Create(NewEvent(1), "", nullptr, Author("editor", "from a report"));
  ASSERT_TRUE(created.ok());
  const std::string id = created->id();
  Event change;
  change.set_id(id);
  change.set_notes("more detail");
  now_ += absl::Hours(1);
  ASSERT_TRUE(manager_->Update(change, Mask("notes"), nullptr, Author("admin", "typo")).ok());
  change.set_event_date("2024-02-02");
  google::protobuf::FieldMask two;
  two.add_paths("event_date");
  two.add_paths("notes");  // same notes: not a change
  now_ += absl::Hours(1);
  ASSERT_TRUE(manager_->Update(change, two, nullptr, Author("editor", "")).ok());
  // Another event's changes interleave; they are not in this history.
  ASSERT_TRUE(manager_->Create(NewEvent(2), "", nullptr, Author("editor", "")).ok());
  now_ += absl::Hours(1);
  ASSERT_TRUE(manager_->Delete(id, "", Author("admin", "duplicate")).ok());

  v1::ListEventRevisionsRequest request;
  request.set_id(id);
  auto all = manager_->ListRevisions(request);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->revisions_size(), 4);
  EXPECT_TRUE(all->next_page_token().empty());
  const auto& r = all->revisions();
  EXPECT_EQ(r[0].type(), v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(r[0].provenance().reason(), "duplicate");
  EXPECT_TRUE(r[0].changed_paths().empty());
  EXPECT_EQ(r[1].type(), v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(std::vector<std::string>(r[1].changed_paths().begin(), r[1].changed_paths().end()),
            std::vector<std::string>{"event_date"});
  EXPECT_EQ(r[1].provenance().principal(), "editor");
  EXPECT_EQ(std::vector<std::string>(r[2].changed_paths().begin(), r[2].changed_paths().end()),
            std::vector<std::string>{"notes"});
  EXPECT_EQ(r[2].provenance().principal(), "admin");
  EXPECT_EQ(r[2].provenance().reason(), "typo");
  EXPECT_EQ(r[2].provenance().time().seconds() - r[3].provenance().time().seconds(), 3600);
  EXPECT_EQ(r[3].type(), v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(r[3].provenance().reason(), "from a report");
  std::vector<std::string> created_paths(r[3].changed_paths().begin(),
                                         r[3].changed_paths().end());
  EXPECT_NE(std::find(created_paths.begin(), created_paths.end(), "event_date"),
            created_paths.end());
  EXPECT_NE(std::find(created_paths.begin(), created_paths.end(), "id"), created_paths.end());
  EXPECT_EQ(std::find(created_paths.begin(), created_paths.end(), "end_date"),
            created_paths.end());
  for (int i = 0; i + 1 < r.size(); ++i) EXPECT_GT(r[i].sequence(), r[i + 1].sequence());
  for (const auto& revision : r) EXPECT_FALSE(revision.previous_compacted());
  EXPECT_EQ(r[1].event().event_date(), "2024-02-02");

  // A page at a time gives the same revisions, and the diff at a page boundary is the same.
  request.set_page_size(1);
  std::vector<v1::EventRevision> paged;
  for (int page = 0; page < 10; ++page) {
    auto response = manager_->ListRevisions(request);
    ASSERT_TRUE(response.ok()) << response.status();
    for (const auto& revision : response->revisions()) paged.push_back(revision);
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  ASSERT_EQ(paged.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(MessageDifferencer::Equals(paged[i], r[i])) << i;

  // Errors: an unknown id, a token of another event's history, a negative page size.
  v1::ListEventRevisionsRequest unknown;
  unknown.set_id("evt_0000000000000000");
  EXPECT_EQ(manager_->ListRevisions(unknown).status().code(), absl::StatusCode::kNotFound);
  unknown.set_page_token(request.page_token());
  auto foreign = manager_->ListRevisions(unknown);
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(errors::FieldOf(foreign.status()), "page_token");
  v1::ListEventRevisionsRequest negative;
  negative.set_id(id);
  negative.set_page_size(-1);
  EXPECT_EQ(manager_->ListRevisions(negative).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(EventHistoryTest, AsOfReadsEqualAReplayOfTheChangeFeedForRandomHistories) {
  RandomHistory(/*events=*/30, /*changes=*/150, /*seed=*/26);
  auto changes = Watch(0);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(static_cast<int64_t>(changes->size()), Head());
  Replay replay;
  std::mt19937 random(7);
  for (const auto& change : *changes) {
    Apply(change, &replay);
    // Every sequence for the first few, then about one in eight (each check lists every page).
    if (change.sequence() <= 5 || random() % 8 == 0 || change.sequence() == Head()) {
      ExpectAsOfEqualsReplay(change.sequence(), replay);
    }
  }
  // as_of_time names the newest change made at or before it (one a second here): the same reads.
  for (size_t i = 0; i < changes->size(); i += 13) {
    const auto& change = (*changes)[i];
    v1::GetEventRequest by_time;
    by_time.set_id(change.event().id());
    *by_time.mutable_as_of_time() = change.provenance().time();
    by_time.mutable_as_of_time()->set_nanos(999999999);  // later that second: still this change
    auto got = manager_->Get(by_time);
    auto expected = manager_->Get(change.event().id(), change.sequence());
    ASSERT_EQ(got.status().code(), expected.status().code()) << change.sequence();
    if (got.ok()) EXPECT_TRUE(MessageDifferencer::Equals(*got, *expected));
    v1::ListEventsRequest list_by_time, list_by_sequence;
    *list_by_time.mutable_as_of_time() = by_time.as_of_time();
    list_by_sequence.set_as_of_sequence(change.sequence());
    auto listed = manager_->List(list_by_time);
    ASSERT_TRUE(listed.ok()) << listed.status();
    EXPECT_EQ(listed->total_size(), manager_->List(list_by_sequence)->total_size());
  }
  {
    // Before the first change nothing existed; both kinds at once are refused.
    v1::GetEventRequest early;
    early.set_id(replay.live.begin()->first);
    early.mutable_as_of_time()->set_seconds(1000);
    EXPECT_EQ(manager_->Get(early).status().code(), absl::StatusCode::kNotFound);
    v1::ListEventsRequest list_early;
    *list_early.mutable_as_of_time() = early.as_of_time();
    auto none = manager_->List(list_early);
    ASSERT_TRUE(none.ok()) << none.status();
    EXPECT_EQ(none->events_size(), 0);
    EXPECT_EQ(none->total_size(), 0);
    early.set_as_of_sequence(1);
    auto both = manager_->Get(early);
    EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(errors::FieldOf(both.status()), "as_of_time");
  }
  // Past the head, or negative: refused naming the field.
  auto past = manager_->Get(replay.live.begin()->first, Head() + 1);
  EXPECT_EQ(past.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::FieldOf(past.status()), "as_of_sequence");
  v1::ListEventsRequest negative;
  negative.set_as_of_sequence(-1);
  auto refused = manager_->List(negative);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(errors::FieldOf(refused.status()), "as_of_sequence");
  // A page token of one as_of is not accepted for another.
  v1::ListEventsRequest first;
  first.set_as_of_sequence(Head());
  first.set_page_size(1);
  auto page = manager_->List(first);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_page_token().empty());
  first.set_as_of_sequence(Head() - 1);
  first.set_page_token(page->next_page_token());
  EXPECT_EQ(manager_->List(first).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(EventHistoryTest, CompactionKeepsCurrentStatesResumePointsAndLaterAsOfReads) {
  const absl::Time start = now_;
  RandomHistory(/*events=*/20, /*changes=*/120, /*seed=*/5);
  auto before = Watch(0);
  ASSERT_TRUE(before.ok());
  const int64_t head = Head();
  // Followers' positions, with the etag they would send, and the states they hold there.
  std::map<int64_t, Replay> followers;
  std::map<int64_t, std::string> etags;
  Replay replay;
  for (const auto& change : *before) {
    Apply(change, &replay);
    if (change.sequence() % 10 == 0) {
      followers[change.sequence()] = replay;
      etags[change.sequence()] = change.event().etag();
    }
  }
  const Replay final_state = replay;
  std::map<int64_t, Replay> states_at;  // for as-of checks after compaction
  {
    Replay r;
    for (const auto& change : *before) {
      Apply(change, &r);
      states_at[change.sequence()] = r;
    }
  }

  // Changes were made one second apart from `start`: this cuts at about the 80th.
  v1::CompactEventHistoryRequest compact;
  compact.mutable_before_time()->set_seconds(absl::ToUnixSeconds(start) + 80);
  compact.mutable_before_time()->set_nanos(500000000);
  auto compacted = manager_->CompactHistory(compact);
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  const std::optional<int64_t> horizon = compacted->horizon_sequence();
  EXPECT_GT(*horizon, 40);
  EXPECT_LT(*horizon, head);
  EXPECT_EQ(*store_->HistoryHorizon(), *horizon);
  EXPECT_EQ(Head(), head);
  auto after = Watch(0);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(static_cast<int64_t>(after->size()),
            static_cast<int64_t>(before->size()) - compacted->removed());
  EXPECT_GT(compacted->removed(), 0) << "nothing was compacted";

  // Every current state: a replay of the compacted log from 0 ends where the full one did, and
  // the live reads agree.
  Replay from_zero;
  for (const auto& change : *after) Apply(change, &from_zero);
  for (const auto& [id, state] : final_state.live) {
    ASSERT_EQ(from_zero.live.count(id), 1u) << id;
    EXPECT_EQ(from_zero.live[id].has_value(), state.has_value()) << id;
    if (state.has_value()) {
      EXPECT_TRUE(MessageDifferencer::Equals(*from_zero.live[id], *state));
    }
    auto live = manager_->Get(id);
    EXPECT_EQ(live.ok(), state.has_value()) << id;
  }
  // Every follower resumes where it was (after_etag accepted even where its change is gone) and
  // reaches the same final states.
  for (auto& [position, held] : followers) {
    SCOPED_TRACE(absl::StrCat("resuming after ", position));
    auto rest = Watch(position, etags[position]);
    ASSERT_TRUE(rest.ok()) << rest.status();
    for (const auto& change : *rest) {
      EXPECT_GT(change.sequence(), position);
      Apply(change, &held);
    }
    for (const auto& [id, state] : final_state.live) {
      ASSERT_EQ(held.live.count(id), 1u) << id;
      EXPECT_EQ(held.live[id].has_value(), state.has_value()) << id;
      if (state.has_value()) {
        EXPECT_TRUE(MessageDifferencer::Equals(*held.live[id], *state));
      }
    }
  }
  // As-of reads at or past the horizon are exact still; below it they are refused.
  for (int64_t s : {*horizon, *horizon + 1, (*horizon + head) / 2, head}) {
    ExpectAsOfEqualsReplay(s, states_at[s]);
  }
  auto below = manager_->Get(final_state.live.begin()->first, *horizon - 1);
  EXPECT_EQ(below.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::FieldOf(below.status()), "as_of_sequence");
  v1::ListEventsRequest before_cutoff;
  before_cutoff.mutable_as_of_time()->set_seconds(absl::ToUnixSeconds(start) + 10);
  auto refused = manager_->List(before_cutoff);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::FieldOf(refused.status()), "as_of_time");
  // A second compaction at an earlier date keeps the horizon.
  auto again = store_->CompactBefore(start);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->horizon, *horizon);
  // A compaction needs a valid time.
  auto missing = manager_->CompactHistory(v1::CompactEventHistoryRequest());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(errors::FieldOf(missing.status()), "before_time");
  // History still lists every event, newest first, its newest revision intact.
  for (const auto& [id, state] : final_state.live) {
    v1::ListEventRevisionsRequest request;
    request.set_id(id);
    auto revisions = manager_->ListRevisions(request);
    ASSERT_TRUE(revisions.ok()) << revisions.status();
    ASSERT_GT(revisions->revisions_size(), 0);
    const auto& oldest = revisions->revisions(revisions->revisions_size() - 1);
    EXPECT_EQ(oldest.previous_compacted(), oldest.type() != v1::CHANGE_TYPE_CREATED) << id;
    for (int i = 0; i + 1 < revisions->revisions_size(); ++i) {
      EXPECT_FALSE(revisions->revisions(i).previous_compacted());
    }
    if (state.has_value()) {
      EXPECT_TRUE(MessageDifferencer::Equals(revisions->revisions(0).event(), *state));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, EventHistoryTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::event
