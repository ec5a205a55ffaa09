#include "cli/app/import_pipeline.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "cli/app/import_stream.h"
#include "common/grpc_status.h"

namespace lookout::cli {
namespace {

// A row on its way: its place in the input and what the parser made of it.
struct Row {
  int64_t seq = 0;
  ParsedRow parsed;
};

// What became of one row of the input, kept until every row before it is finished.
struct Slot {
  int64_t line = 0;
  bool done = false;
  bool rejected = false;
  std::string message;
};

// One run of the pipeline over one input; every member not marked otherwise is guarded by mu_.
class PipelineRun {
 public:
  PipelineRun(ApiClient* client, ActorResolver* resolver, const ImportSettings& settings)
      : client_(client),
        resolver_(resolver),
        settings_(settings),
        parallel_(std::max(1, settings.parallel)),
        stream_rows_(std::max(1, settings.stream_rows)),
        // Room for every sender's stream to fill and as much again, so the reader keeps ahead.
        window_(static_cast<size_t>(parallel_ + 2) * static_cast<size_t>(stream_rows_)) {}

  absl::Status Run(RowReader* reader, const ImportPipeline::RejectionSink& on_rejection,
                   const ImportPipeline::ProgressSink& on_progress, ImportTally* tally) {
    {
      absl::MutexLock lock(&mu_);
      running_ = 2 + parallel_;  // before any of them can exit
    }
    std::vector<std::thread> threads;
    threads.emplace_back([this, reader] { ReadRows(reader); });
    threads.emplace_back([this] { ResolveNames(); });
    for (int i = 0; i < parallel_; ++i) threads.emplace_back([this] { SendRows(); });
    Report(on_rejection, on_progress);
    for (std::thread& thread : threads) thread.join();

    absl::MutexLock lock(&mu_);
    *tally = tally_;
    return failure_;
  }

 private:
  // --- the reader -------------------------------------------------------------------------

  void ReadRows(RowReader* reader) {
    for (;;) {
      Row row;
      RowError error;
      const RowReader::Result result = reader->Next(&row.parsed, &error);
      if (result == RowReader::Result::kEnd) break;
      absl::MutexLock lock(&mu_);
      if (result == RowReader::Result::kRejected && error.fatal) {
        tally_.file_failed = true;
        fatal_ = Rejection{error.line, error.message, /*fatal=*/true};
        break;
      }
      if (slots_.size() >= window_) {
        // Senders holding part-filled streams close them now: the reader cannot go on until
        // the oldest row has an outcome.
        reader_blocked_ = true;
        rows_ready_.SignalAll();
        while (!stop_ && slots_.size() >= window_) window_open_.Wait(&mu_);
        reader_blocked_ = false;
      }
      if (stop_) break;
      row.seq = next_seq_++;
      ++tally_.read;
      Slot& slot = slots_.emplace_back();
      if (result == RowReader::Result::kRejected) {
        slot.line = error.line;
        RejectRow(row.seq, std::move(error.message));
        continue;
      }
      slot.line = row.parsed.line;
      const uint64_t ticket = resolver_->Request(row.parsed.actors);
      if (ticket <= resolver_->resolved_through()) {
        ready_.push_back(std::move(row));
        rows_ready_.Signal();
      } else {
        waiting_.emplace(ticket, std::move(row));
        names_queued_.Signal();
      }
    }
    absl::MutexLock lock(&mu_);
    reader_done_ = true;
    Exit();
  }

  // --- the resolver -----------------------------------------------------------------------

  void ResolveNames() {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        while (!stop_ && !resolver_->HasQueued() && !reader_done_) names_queued_.Wait(&mu_);
        if (stop_ || !resolver_->HasQueued()) break;  // the reader is done and so are we
      }
      absl::Status status = resolver_->ResolveNext();
      absl::MutexLock lock(&mu_);
      if (!status.ok()) {
        Fail(status);
        break;
      }
      // Rows whose names all have answers now go on, in input order.
      const uint64_t through = resolver_->resolved_through();
      std::vector<Row> released;
      while (!waiting_.empty() && waiting_.begin()->first <= through) {
        released.push_back(std::move(waiting_.begin()->second));
        waiting_.erase(waiting_.begin());
      }
      std::sort(released.begin(), released.end(),
                [](const Row& a, const Row& b) { return a.seq < b.seq; });
      for (Row& row : released) ready_.push_back(std::move(row));
      if (!released.empty()) rows_ready_.SignalAll();
    }
    absl::MutexLock lock(&mu_);
    Exit();
  }

  // --- the senders ------------------------------------------------------------------------

  // No row will be ready again.
  bool InputDrained() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return reader_done_ && waiting_.empty() && ready_.empty();
  }

  void SendRows() {
    std::unique_ptr<ImportStream> stream;
    for (;;) {
      std::optional<Row> row;
      bool drained = false;
      {
        absl::MutexLock lock(&mu_);
        WaitForRow(stream != nullptr);
        if (stop_) break;
        if (!ready_.empty()) {
          row = std::move(ready_.front());
          ready_.pop_front();
        } else {
          drained = InputDrained();
        }
      }
      if (row.has_value()) {
        if (Send(std::move(*row), &stream)) continue;  // room for more
      } else if (stream == nullptr) {
        if (drained) break;
        continue;
      }
      // Full, idle or at the end: close the stream, so its rows' outcomes are known.
      const bool ok = CloseStream(stream.get());
      stream.reset();
      if (!ok || drained) break;
    }
    if (stream != nullptr) CloseStream(stream.get());  // cancelled: ends the call
    absl::MutexLock lock(&mu_);
    Exit();
  }

  // Returns when a row is ready, none will be again, the import stopped, or (with a stream
  // open) the stream should be closed because no row came for idle_close or the reader waits
  // for the oldest rows to finish.
  void WaitForRow(bool stream_open) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stop_ || !ready_.empty() || InputDrained()) return;
    const absl::Time deadline = absl::Now() + settings_.idle_close;
    while (!stop_ && ready_.empty() && !InputDrained()) {
      if (!stream_open) {
        rows_ready_.Wait(&mu_);
        continue;
      }
      if (reader_blocked_) return;
      if (rows_ready_.WaitWithDeadline(&mu_, deadline) && absl::Now() >= deadline) return;
    }
  }

  // Adds `row` to `*stream` (opening one if needed), or rejects it when one of its names has
  // no actor. False when the stream is full and must be closed.
  bool Send(Row row, std::unique_ptr<ImportStream>* stream) {
    event::v1::Event event = std::move(row.parsed.event);
    std::set<std::pair<std::string, int>> seen;
    for (const ActorRef& ref : row.parsed.actors) {
      std::string why;
      const std::string id = resolver_->Lookup(ref, &why);
      if (id.empty()) {
        // In a dry run a missing actor would be created by a real import: leave it out.
        if (settings_.dry_run && why == ActorResolver::kNoSuchActor) continue;
        absl::MutexLock lock(&mu_);
        RejectRow(row.seq, absl::StrCat("actor \"", ref.name, "\": ", why));
        return true;
      }
      if (!seen.emplace(id, ref.role).second) continue;
      event::v1::Participant* participant = event.add_participants();
      participant->set_actor_id(id);
      participant->set_role(ref.role);
    }
    if (*stream == nullptr) {
      *stream =
          std::make_unique<ImportStream>(client_, settings_.dry_run, settings_.stream_timeout);
      (*stream)->set_reason(settings_.reason);
      absl::MutexLock lock(&mu_);
      open_streams_.insert(stream->get());
      if (stop_) (*stream)->Cancel();
    }
    (*stream)->Add(std::move(event), row.seq);
    handled_.fetch_add(1, std::memory_order_relaxed);
    return (*stream)->size() < stream_rows_;
  }

  // Closes `stream` and finishes its rows. False when the import has failed or was stopped.
  bool CloseStream(ImportStream* stream) {
    const grpc::Status status = stream->Close();
    absl::MutexLock lock(&mu_);
    open_streams_.erase(stream);
    if (stop_) return false;
    if (!status.ok()) {
      Fail(FromGrpcStatus(status));
      return false;
    }
    const event::v1::ImportEventsResponse& response = stream->response();
    tally_.created += response.created();
    tally_.updated += response.updated();
    tally_.unchanged += response.unchanged();
    tally_.rejected += response.rejected();
    absl::flat_hash_set<int64_t> refused;
    for (const event::v1::ImportError& error : response.errors()) {
      const int64_t seq = stream->SeqOf(error.index());
      if (seq < 0 || !refused.insert(seq).second) continue;
      Mark(seq, /*rejected=*/true, error.message());
    }
    for (int64_t seq : stream->seqs()) {
      if (!refused.contains(seq)) Mark(seq, /*rejected=*/false, "");
    }
    return !stop_;
  }

  // --- outcomes, in input order -------------------------------------------------------------

  // A row rejected by the client (its count is the client's to keep).
  void RejectRow(int64_t seq, std::string message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++tally_.rejected;
    handled_.fetch_add(1, std::memory_order_relaxed);
    Mark(seq, /*rejected=*/true, std::move(message));
  }

  void Mark(int64_t seq, bool rejected, std::string message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Slot& slot = slots_[static_cast<size_t>(seq - first_seq_)];
    slot.done = true;
    slot.rejected = rejected;
    slot.message = std::move(message);
    if (seq == first_seq_) outcomes_.Signal();
  }

  // On the calling thread: hands on the outcomes of finished rows, oldest first, until every
  // stage has stopped.
  void Report(const ImportPipeline::RejectionSink& on_rejection,
              const ImportPipeline::ProgressSink& on_progress) {
    for (;;) {
      std::vector<Rejection> rejections;
      bool over = false;
      {
        absl::MutexLock lock(&mu_);
        const absl::Time deadline = absl::Now() + absl::Milliseconds(50);
        while (running_ > 0 && (slots_.empty() || !slots_.front().done)) {
          if (outcomes_.WaitWithDeadline(&mu_, deadline)) break;
        }
        const size_t before = slots_.size();
        while (!slots_.empty() && slots_.front().done) {
          Slot& slot = slots_.front();
          if (slot.rejected) rejections.push_back({slot.line, std::move(slot.message), false});
          slots_.pop_front();
          ++first_seq_;
        }
        if (before != slots_.size()) window_open_.Signal();
        over = running_ == 0;
        if (over && fatal_.has_value()) rejections.push_back(*fatal_);
      }
      for (const Rejection& rejection : rejections) on_rejection(rejection);
      if (on_progress) on_progress(handled_.load(std::memory_order_relaxed));
      if (over) return;
    }
  }

  // --- failure and exit ---------------------------------------------------------------------

  void Fail(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (failure_.ok()) failure_ = std::move(status);
    stop_ = true;
    for (ImportStream* stream : open_streams_) stream->Cancel();
    rows_ready_.SignalAll();
    names_queued_.SignalAll();
    window_open_.SignalAll();
  }

  void Exit() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    --running_;
    // Whoever is left may be waiting for what this stage would have done.
    rows_ready_.SignalAll();
    names_queued_.SignalAll();
    outcomes_.Signal();
  }

  ApiClient* const client_;
  ActorResolver* const resolver_;
  const ImportSettings& settings_;
  const int parallel_;
  const int stream_rows_;
  const size_t window_;

  // Rows written to a stream or rejected by the client: what the progress bar counts.
  std::atomic<int64_t> handled_{0};

  absl::Mutex mu_;
  absl::CondVar rows_ready_;    // ready_ gained a row, or a stage ended
  absl::CondVar names_queued_;  // the resolver has work, or a stage ended
  absl::CondVar window_open_;   // slots_ shrank
  absl::CondVar outcomes_;      // the oldest slot is done, or a stage ended
  // One slot per row from the oldest not yet reported (first_seq_) to the newest read.
  std::deque<Slot> slots_ ABSL_GUARDED_BY(mu_);
  int64_t first_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<Row> ready_ ABSL_GUARDED_BY(mu_);
  // Rows waiting for the resolver, by the ticket they wait for.
  std::multimap<uint64_t, Row> waiting_ ABSL_GUARDED_BY(mu_);
  std::set<ImportStream*> open_streams_ ABSL_GUARDED_BY(mu_);
  bool reader_done_ ABSL_GUARDED_BY(mu_) = false;
  bool reader_blocked_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  std::optional<Rejection> fatal_ ABSL_GUARDED_BY(mu_);
  ImportTally tally_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

ImportTally& ImportTally::operator+=(const ImportTally& other) {
  read += other.read;
  created += other.created;
  updated += other.updated;
  unchanged += other.unchanged;
  rejected += other.rejected;
  file_failed = file_failed || other.file_failed;
  return *this;
}

ImportPipeline::ImportPipeline(ApiClient* client, ActorResolver* resolver,
                               const ImportSettings& settings)
    : client_(client), resolver_(resolver), settings_(settings) {}

absl::Status ImportPipeline::Run(RowReader* reader, const RejectionSink& on_rejection,
                                 const ProgressSink& on_progress, ImportTally* tally) {
  PipelineRun run(client_, resolver_, settings_);
  return run.Run(reader, on_rejection, on_progress, tally);
}

}  // namespace lookout::cli
