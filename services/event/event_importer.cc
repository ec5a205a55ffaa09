#include "services/event/event_importer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "event_filter/event_validation.h"
#include "services/event/event_history.h"
#include "services/event/event_model.h"

namespace lookout::event {

using ::lookout::event::v1::Event;

namespace {

// lookout_import_rows_total{outcome,dry_run}: rows of committed batches (a batch the store
// failed is not counted; its rows are sent again).
void CountImportRows(bool dry_run, int64_t created, int64_t updated, int64_t unchanged,
                     int64_t rejected) {
  static prometheus::Family<prometheus::Counter>& rows = MetricsRegistry::Global().Counter(
      "lookout_import_rows_total",
      "Imported event rows, by outcome (created, updated, unchanged: accepted; rejected) and "
      "dry_run (true: checked, not written).");
  const std::string mode = dry_run ? "true" : "false";
  // Every series is added, at 0 too, so rate() and the alerts see the first rejection.
  for (const auto& [outcome, count] : {std::pair<const char*, int64_t>{"created", created},
                                       {"updated", updated},
                                       {"unchanged", unchanged},
                                       {"rejected", rejected}}) {
    rows.Add({{"outcome", outcome}, {"dry_run", mode}}).Increment(static_cast<double>(count));
  }
}

}  // namespace

EventImporter::EventImporter(EventStore* store, ActorChecker* actors, EventCache* cache,
                             std::function<absl::Time()> clock, int batch_size)
    : store_(store),
      actors_(actors),
      cache_(cache),
      clock_(std::move(clock)),
      batch_size_(std::max(1, batch_size)) {
  for (bool dry_run : {false, true}) CountImportRows(dry_run, 0, 0, 0, 0);
}

EventImporter::Session EventImporter::Start(const v1::ImportOptions& options,
                                            const grpc::ServerContext* serving) {
  return Session(this, options, serving);
}

absl::Status EventImporter::Session::Add(const Event* row) {
  const int64_t index = response_.received();
  response_.set_received(index + 1);
  // Invalid rows wait in the batch too, so rejections are reported in row order and "the first
  // 1000 errors" are the first by index.
  Row pending;
  pending.index = index;
  if (row == nullptr) {
    pending.error = errors::InvalidField("event", "is required on every message but the first");
  } else {
    pending.payload = *row;
    ClearOutputOnlyFields(&pending.payload);
    pending.error = event_filter::ValidateEvent(pending.payload);
  }
  pending_.push_back(std::move(pending));
  if (static_cast<int>(pending_.size()) >= importer_->batch_size_) return Flush();
  return absl::OkStatus();
}

absl::StatusOr<v1::ImportEventsResponse> EventImporter::Session::Finish() {
  LOOKOUT_RETURN_IF_ERROR(Flush());
  return response_;
}

void EventImporter::Session::Reject(int64_t index, const absl::Status& status) {
  response_.set_rejected(response_.rejected() + 1);
  if (response_.errors_size() >= kMaxImportErrors) return;
  v1::ImportError* error = response_.add_errors();
  error->set_index(index);
  error->set_field(errors::FieldOf(status));
  error->set_message(std::string(status.message()));
}

absl::Status EventImporter::Session::Flush() {
  if (pending_.empty()) return absl::OkStatus();
  std::vector<Row> batch = std::move(pending_);
  pending_.clear();

  // One actor lookup for the whole batch.
  std::vector<std::string> actor_ids;
  for (const Row& row : batch) {
    if (!row.error.ok()) continue;
    for (const v1::Participant& p : row.payload.participants()) actor_ids.push_back(p.actor_id());
  }
  if (!actor_ids.empty()) {
    auto missing = importer_->actors_->FindMissing(actor_ids, serving_);
    if (!missing.ok()) {
      return absl::Status(
          missing.status().code(),
          absl::StrCat(missing.status().message(), " (rows before index ", batch.front().index,
                       " were ", options_.dry_run() ? "checked" : "imported",
                       "; resend from there)"));
    }
    for (Row& row : batch) {
      if (row.error.ok()) row.error = MissingActorError(row.payload, *missing);
    }
  }

  // First the whole batch in one go. When a row fails there, the batch is undone and written
  // again with each row in a savepoint of its own, so that row's conflict undoes only itself.
  // Savepoints are not the default because SQLite copies every page a savepoint touches to a
  // sub-journal: they made a clean batch four times slower (bench/README.md). A dry run
  // rehearses the very same writes and then undoes them all.
  const absl::Time now = importer_->clock_();
  // What the store said of each row that passed the checks, from the last attempt.
  std::vector<absl::Status> write_errors;
  std::vector<Outcome> outcomes;
  std::vector<std::string> updated_ids;
  bool isolate_rows = false;
  bool row_failed = false;
  std::vector<lookout::type::v1::ExternalId> batch_external_ids;
  for (const Row& row : batch) {
    if (!row.error.ok()) continue;
    batch_external_ids.insert(batch_external_ids.end(), row.payload.external_ids().begin(),
                              row.payload.external_ids().end());
  }
  ChangeAuthor author = AuthorOf(serving_, options_.reason());
  author.time_micros = absl::ToUnixMicros(now);
  auto write_batch = [&](EventTransaction& tx) -> absl::Status {
    // The store may run this more than once: every attempt starts afresh.
    tx.set_author(author);
    LOOKOUT_RETURN_IF_ERROR(tx.PrefetchExternalIds(batch_external_ids));
    write_errors.assign(batch.size(), absl::OkStatus());
    outcomes.assign(batch.size(), Outcome::kRejected);
    updated_ids.clear();
    row_failed = false;
    auto write_all = [&]() -> absl::Status {
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].error.ok()) continue;
        std::string updated_id;
        auto write_row = [&] { return WriteRow(tx, batch[i], now, &outcomes[i], &updated_id); };
        absl::Status& error = write_errors[i];
        error = isolate_rows ? tx.Isolated(write_row) : write_row();
        if (!error.ok()) {
          outcomes[i] = Outcome::kRejected;
          // Storage failures are not the row's fault: give up on the batch.
          if (error.code() == absl::StatusCode::kInternal) return error;
          if (!isolate_rows) {
            row_failed = true;
            return absl::AbortedError("a row failed; the batch is redone a row at a time");
          }
        } else if (!updated_id.empty()) {
          updated_ids.push_back(updated_id);
        }
      }
      return absl::OkStatus();
    };
    return options_.dry_run() ? tx.Rehearse(write_all) : write_all();
  };
  const bool any_valid =
      std::any_of(batch.begin(), batch.end(), [](const Row& row) { return row.error.ok(); });
  if (any_valid) {
    absl::Status written = importer_->store_->Write(write_batch);
    if (!written.ok() && row_failed) {
      isolate_rows = true;
      written = importer_->store_->Write(write_batch);
    }
    LOOKOUT_RETURN_IF_ERROR(written);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].error.ok()) batch[i].error = write_errors[i];
    }
  }

  const int64_t created = response_.created(), updated = response_.updated(),
                unchanged = response_.unchanged(), rejected = response_.rejected();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].error.ok()) {
      Reject(batch[i].index, batch[i].error);
      continue;
    }
    switch (outcomes[i]) {
      case Outcome::kCreated:
        response_.set_created(response_.created() + 1);
        break;
      case Outcome::kUpdated:
        response_.set_updated(response_.updated() + 1);
        break;
      case Outcome::kUnchanged:
        response_.set_unchanged(response_.unchanged() + 1);
        break;
      case Outcome::kRejected:
        break;
    }
  }
  CountImportRows(options_.dry_run(), response_.created() - created,
                  response_.updated() - updated, response_.unchanged() - unchanged,
                  response_.rejected() - rejected);
  if (importer_->cache_ != nullptr && !options_.dry_run()) {
    for (const std::string& id : updated_ids) importer_->cache_->Invalidate(id);
  }
  return absl::OkStatus();
}

absl::Status EventImporter::Session::WriteRow(EventTransaction& tx, const Row& row, absl::Time now,
                                              Outcome* outcome, std::string* updated_id) {
  if (options_.upsert_by_external_id()) {
    std::optional<Event> existing;
    for (const lookout::type::v1::ExternalId& external_id : row.payload.external_ids()) {
      LOOKOUT_ASSIGN_OR_RETURN(existing, tx.FindLiveByExternalId(external_id));
      if (existing.has_value()) break;
    }
    if (existing.has_value()) {
      if (SamePayload(*existing, row.payload)) {
        *outcome = Outcome::kUnchanged;
        return absl::OkStatus();
      }
      // The row replaces the stored content; identity and creation time stay.
      Event updated = row.payload;
      updated.set_id(existing->id());
      *updated.mutable_create_time() = existing->create_time();
      StampUpdate(now, &updated);
      LOOKOUT_RETURN_IF_ERROR(tx.Apply(v1::CHANGE_TYPE_UPDATED, std::move(updated)).status());
      *outcome = Outcome::kUpdated;
      *updated_id = existing->id();
      return absl::OkStatus();
    }
  }
  Event created = row.payload;
  StampNew(now, &created);
  LOOKOUT_RETURN_IF_ERROR(tx.Apply(v1::CHANGE_TYPE_CREATED, std::move(created)).status());
  *outcome = Outcome::kCreated;
  return absl::OkStatus();
}

}  // namespace lookout::event
