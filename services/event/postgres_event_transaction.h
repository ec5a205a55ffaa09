// One PostgreSQL transaction of the event store, carrying one write or a group of them (see
// PostgresEventStore::Write).
//
// Creates, change-log rows and request records are gathered in memory and written with COPY
// when the transaction ends, so an import batch or a group of concurrent creates costs a few
// statements, not thousands of round trips; the transaction's own reads see them through an
// overlay. Updates and deletes run at once (they rewrite rows). Each write of a group runs as a
// member: when it fails, only its own writes are undone (the gathered ones dropped, the ones the
// server holds rolled back to a savepoint taken just before its first one), so the group's other
// writes commit without it.
#ifndef LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_TRANSACTION_H_
#define LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_TRANSACTION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/pg_pool.h"
#include "services/event/event_store.h"

namespace lookout::event {

// An event as stored (a serialized lookout.event.v1.Event); INTERNAL when it does not parse.
absl::StatusOr<lookout::event::v1::Event> ParseStoredEvent(absl::string_view blob);

class PostgresEventTransaction : public EventTransaction {
 public:
  // The NOTIFY channel carrying each commit's new head.
  static constexpr char kChangesChannel[] = "lookout_event_changes";

  explicit PostgresEventTransaction(pg::Session& session) : s_(session) {}

  absl::StatusOr<std::optional<lookout::event::v1::Event>> GetLive(const std::string& id) override;
  absl::StatusOr<std::optional<lookout::event::v1::Event>> FindLiveByExternalId(
      const lookout::type::v1::ExternalId& external_id) override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const std::string& request_id) override;
  absl::Status PrefetchExternalIds(const std::vector<lookout::type::v1::ExternalId>& ids) override;
  absl::StatusOr<lookout::event::v1::Event> Apply(lookout::event::v1::ChangeType type,
                                                  lookout::event::v1::Event event) override;
  absl::Status RecordRequest(const std::string& request_id, const std::string& payload_hash,
                             const lookout::event::v1::Event& result) override;
  absl::Status Isolated(absl::FunctionRef<absl::Status()> fn) override;
  absl::Status Rehearse(absl::FunctionRef<absl::Status()> fn) override;

  // Runs one write of a group; when it fails, its writes alone are undone.
  absl::Status RunMember(absl::FunctionRef<absl::Status(EventTransaction&)> fn);
  // Writes what is gathered, moves the head and announces it. Runs last, before COMMIT.
  absl::Status Finish();
  // Why the transaction cannot commit, when a statement outside any member's savepoint failed
  // (the server then refuses everything until ROLLBACK): the group's answer, run again when it
  // is a race another replica won.
  const absl::Status& failure() const { return failure_; }
  // The newest sequence this transaction appended (0 when none survived).
  int64_t head() const { return head_ > base_ ? head_ : 0; }

 private:
  struct GatheredEvent {
    lookout::event::v1::Event event;
    int64_t event_day = 0;
    int64_t end_day = 0;
    std::string blob;
  };
  struct GatheredChange {
    int64_t sequence = 0;
    std::string event_id;
    int64_t type = 0;
    std::string blob;
    ChangeAuthor author;
  };
  struct GatheredRequest {
    std::string request_id;
    std::string payload_hash;
    std::string event_id;
    std::string result;
  };
  // A position to undo to. Counts are absolute (items ever gathered), so a mark stays right
  // when earlier items are written and dropped from the lists.
  struct Mark {
    size_t events = 0;
    size_t changes = 0;
    size_t requests = 0;
    size_t undo = 0;
    int64_t head = 0;
  };

  Mark Here() const;
  // Drops what was gathered after `mark` and restores the overlays. Items already written
  // after it must have been rolled back on the server by the caller.
  void UndoTo(const Mark& mark);
  // Writes the items gathered before `until` (everything by default) with COPY.
  absl::Status Flush(std::optional<Mark> until = std::nullopt);
  // Before a member's first statement that changes rows on the server: earlier members' items
  // are written, and a savepoint marks where this member's own writes begin.
  absl::Status BeforeServerWrite();
  absl::Status InSavepoint(absl::FunctionRef<absl::Status()> fn, bool always_undo);

  absl::Status LockHead();
  absl::StatusOr<std::optional<std::string>> OwnerOf(const lookout::type::v1::ExternalId& id);
  void TrackOwners(const lookout::event::v1::Event* removed,
                   const lookout::event::v1::Event* added);
  absl::Status UpdateRow(const lookout::event::v1::Event& event, int64_t event_day, int64_t end_day,
                         const std::string& blob, bool deleted);
  absl::Status RemoveIndexRows(const lookout::event::v1::Event& stored);
  absl::Status AddIndexRows(const lookout::event::v1::Event& event);

  pg::Session& s_;
  bool head_locked_ = false;
  int64_t base_ = 0;  // the head when this transaction locked it
  int64_t head_ = 0;  // the last sequence it gave out
  int depth_ = 0;     // of nested savepoints

  // Gathered items not yet written; the lists hold those from index *_written_ on.
  std::vector<GatheredEvent> events_;
  std::vector<GatheredChange> changes_;
  std::vector<GatheredRequest> requests_;
  size_t events_written_ = 0;
  size_t changes_written_ = 0;
  size_t requests_written_ = 0;
  // Overlays: gathered creates and request records, readable by this transaction.
  absl::flat_hash_map<std::string, lookout::event::v1::Event> pending_events_;
  absl::flat_hash_map<std::string, RequestRecord> pending_requests_;
  // Request ids the server had no record of when this transaction asked.
  absl::flat_hash_set<std::string> absent_requests_;
  // Owners of external ids as this transaction sees them (nullopt: free).
  absl::flat_hash_map<std::pair<std::string, std::string>, std::optional<std::string>> owners_;
  std::vector<std::function<void()>> undo_;

  absl::Status failure_;
  // The member running now, where it began, and whether it took its savepoint.
  std::optional<Mark> member_;
  bool member_savepoint_ = false;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_TRANSACTION_H_
