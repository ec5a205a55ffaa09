// Storage of events and their change log, behind an interface so a server-based backend
// (PostgreSQL) can be added beside SQLite without touching the domain code.
//
// Writes go through Write(fn): fn runs inside one durable transaction and uses the
// EventTransaction primitives, so domain checks (etag, request_id, upsert matching) and the
// writes they guard are atomic. Every change to an event appends to the change log in that same
// transaction and gets the next sequence number.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_STORE_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/change_author.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::event {

enum class EventOrder { kEventDateDesc, kEventDateAsc, kFatalitiesDesc };

// Where a page ended: the sort key (day number or fatalities) and id of its last event.
// Keyset pagination resumes strictly after it, so rows inserted meanwhile neither repeat nor
// push existing rows off the page boundary.
struct EventCursor {
  int64_t sort_key = 0;
  std::string id;
};

struct EventQuery {
  lookout::event::v1::EventFilter filter;  // validated
  EventOrder order = EventOrder::kEventDateDesc;
  int limit = 50;
  std::optional<EventCursor> after;
};

struct EventPage {
  std::vector<lookout::event::v1::Event> events;
  // Set when more events follow this page.
  std::optional<EventCursor> next;
  // Every live event matching the filter, regardless of the cursor.
  int64_t total_size = 0;
};

// Who made a change, when and why: kept with the change in the log (see ChangeProvenance in
// event_service.proto).
// Who made a change and why (common/change_author.h, shared with the other stores' change logs).
using ::lookout::ChangeAuthor;

struct Change {
  int64_t sequence = 0;
  lookout::event::v1::ChangeType type = lookout::event::v1::CHANGE_TYPE_UNSPECIFIED;
  // The event after the change (for DELETED: its last state), as stored: a serialized
  // lookout.event.v1.Event. Parsed only by readers that look inside it, so a stream of the whole
  // log (a stats rebuild) passes it through without decoding and re-encoding a million events.
  std::string event_bytes;
  ChangeAuthor author;
};

// The first result of a CreateEvent with a request_id.
struct RequestRecord {
  std::string payload_hash;
  lookout::event::v1::Event result;
};

// What a write may do, inside the transaction Write opened.
class EventTransaction {
 public:
  virtual ~EventTransaction() = default;

  // The live (not deleted) event with this id, as of this transaction.
  virtual absl::StatusOr<std::optional<lookout::event::v1::Event>> GetLive(
      const std::string& id) = 0;
  // The live event carrying this external id (scheme and value), if any.
  virtual absl::StatusOr<std::optional<lookout::event::v1::Event>> FindLiveByExternalId(
      const lookout::type::v1::ExternalId& external_id) = 0;
  virtual absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      const std::string& request_id) = 0;
  // Says which of `ids` are taken, in one go, so the checks that follow (Apply's uniqueness
  // check, FindLiveByExternalId) need no round trip each. Only a hint: a store may ignore it.
  virtual absl::Status PrefetchExternalIds(
      const std::vector<lookout::type::v1::ExternalId>& ids) {
    return absl::OkStatus();
  }

  // Stores `event` (CREATED inserts, UPDATED replaces, DELETED soft-deletes keeping the last
  // state) and appends the change. Returns the event with `sequence` set to the change's.
  // ALREADY_EXISTS naming "event.external_ids[i]" when another live event holds that id.
  virtual absl::StatusOr<lookout::event::v1::Event> Apply(lookout::event::v1::ChangeType type,
                                                          lookout::event::v1::Event event) = 0;
  virtual absl::Status RecordRequest(const std::string& request_id, const std::string& payload_hash,
                                     const lookout::event::v1::Event& result) = 0;

  // Runs `fn` so that when it fails only its own writes are undone (one import row).
  virtual absl::Status Isolated(absl::FunctionRef<absl::Status()> fn) = 0;
  // Runs `fn` and undoes all its writes whatever it returns (a dry run), returning its status.
  virtual absl::Status Rehearse(absl::FunctionRef<absl::Status()> fn) = 0;

  // The author recorded with every change Apply appends from now on.
  void set_author(ChangeAuthor author) { author_ = std::move(author); }
  const ChangeAuthor& author() const { return author_; }

 private:
  ChangeAuthor author_;
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  virtual absl::StatusOr<std::optional<lookout::event::v1::Event>> GetLive(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      const std::string& request_id) = 0;
  // `query.filter` has passed ValidateFilter; its text is searched word by word, never as FTS5
  // syntax.
  virtual absl::StatusOr<EventPage> List(const EventQuery& query) = 0;

  // Changes with after < sequence <= up_to, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<Change>> ChangesAfter(int64_t after, int64_t up_to,
                                                           int limit) = 0;
  // The sequence of the newest durable change (0 when there is none). ChangesAfter serves
  // nothing past it.
  virtual absl::StatusOr<int64_t> HeadSequence() = 0;

  // The durable changes of one event with sequence < before (0: no bound), newest first, at
  // most `limit`. The history and as-of reads are built on it.
  virtual absl::StatusOr<std::vector<Change>> EventChanges(const std::string& event_id,
                                                           int64_t before, int limit) = 0;
  // For every event, its newest change with sequence <= as_of (as-of lists), in no order.
  virtual absl::StatusOr<std::vector<Change>> StatesAsOf(int64_t as_of) = 0;
  // Removes every change that a newer change of the same event made before `cutoff` supersedes
  // (so the newest change of each event stays, and so does the state of every event as of any
  // sequence >= the horizon), and returns the new horizon: the newest sequence recorded before
  // `cutoff` (never lower than an earlier horizon). As-of reads below it are refused from then
  // on.
  struct Compaction {
    int64_t horizon = 0;
    int64_t removed = 0;  // changes removed
  };
  virtual absl::StatusOr<Compaction> CompactBefore(absl::Time cutoff) = 0;
  // The newest durable change recorded at or before `time` (0 when none). Changes from before
  // provenance was kept count as made at the epoch. Reads every change's time: no index.
  virtual absl::StatusOr<int64_t> SequenceAt(absl::Time time) = 0;
  // The compaction horizon (0 when the log was never compacted).
  virtual absl::StatusOr<int64_t> HistoryHorizon() = 0;

  // Runs `fn` in one durable transaction. When `fn` fails nothing it wrote is kept. Returns
  // once the commit is durable and the commit listener has seen the new head.
  virtual absl::Status Write(absl::FunctionRef<absl::Status(EventTransaction&)> fn) = 0;

  // Called after each commit that appended changes, in commit order, with the newest sequence
  // (on a store several replicas share, also for the other replicas' commits, from a thread of
  // the store's). nullptr stops the calls: clear it before the listener is destroyed.
  virtual void SetCommitListener(std::function<void(int64_t head)> listener) = 0;

  // The secret that keys page tokens; kept in the store so tokens survive a restart.
  virtual const std::string& page_token_secret() const = 0;

  // The identity of the change log, created with the store and kept across restarts. A sequence
  // names a change only together with it: a recreated or restored store starts its sequences
  // again under another id.
  virtual const std::string& change_log_id() const = 0;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_STORE_H_
