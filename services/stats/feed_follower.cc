#include "services/stats/feed_follower.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/grpc_status.h"
#include "common/logging.h"

namespace lookout::stats {

using ::lookout::event::v1::WatchEventsRequest;
using ::lookout::event::v1::WatchEventsResponse;

FeedFollower::FeedFollower(event::v1::EventService::StubInterface* stub, ReadModel* model,
                           FeedOptions options, std::function<void()> on_caught_up)
    : stub_(stub),
      model_(model),
      options_(std::move(options)),
      on_caught_up_(std::move(on_caught_up)) {}

FeedFollower::~FeedFollower() { Stop(); }

void FeedFollower::Start() {
  thread_ = std::thread([this] { Run(); });
}

void FeedFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (active_ != nullptr) active_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

int64_t FeedFollower::streams_opened() const {
  absl::MutexLock lock(&mu_);
  return streams_opened_;
}

int64_t FeedFollower::stream_failures() const {
  absl::MutexLock lock(&mu_);
  return stream_failures_;
}

int64_t FeedFollower::rebuilds() const {
  absl::MutexLock lock(&mu_);
  return rebuilds_;
}

bool FeedFollower::Sleep(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  return !stopping_;
}

void FeedFollower::Run() {
  absl::BitGen random;
  absl::Duration backoff = options_.initial_backoff;
  bool caught_up = model_->caught_up();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const int64_t before = model_->applied_sequence();
    absl::Status status = Stream(/*follow=*/caught_up);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    // The event service's log is not the one the model holds (recreated or restored): what
    // the model applied is not part of it. A model that holds nothing yet cannot be refused for
    // that reason, so this cannot loop.
    const LogPosition position = model_->position();
    if (status.code() == absl::StatusCode::kFailedPrecondition &&
        (position.sequence > 0 || !position.change_log_id.empty())) {
      // A model loaded from a snapshot is refused the same way when the snapshot is ahead of
      // the log's head or from another log (the event store was replaced since it was taken).
      LogWarning(model_->restored() && !caught_up
                     ? "the read model snapshot does not belong to the event service's change "
                       "log (another log, or ahead of its head); ignoring it and rebuilding "
                       "from sequence 0"
                     : "the event service's change log was replaced; rebuilding the read model "
                       "from sequence 0",
                 {{"error", status.ToString()},
                  {"change_log_id", position.change_log_id},
                  {"applied_sequence", absl::StrCat(position.sequence)}});
      model_->Reset();
      caught_up = false;
      backoff = options_.initial_backoff;
      absl::MutexLock lock(&mu_);
      ++rebuilds_;
      continue;
    }
    if (status.ok() && !caught_up) {
      caught_up = true;
      model_->MarkCaughtUp();
      LogInfo("read model caught up",
              {{"applied_sequence", absl::StrCat(model_->applied_sequence())}});
      if (on_caught_up_) on_caught_up_();
      backoff = options_.initial_backoff;
      continue;
    }
    // A follow stream that ended, cleanly or not, is reopened after a pause; one that made
    // progress resets the back-off, since the event service was evidently up.
    if (model_->applied_sequence() > before) backoff = options_.initial_backoff;
    if (!status.ok()) {
      absl::MutexLock lock(&mu_);
      ++stream_failures_;
    }
    LogWarning("change feed interrupted; reconnecting",
               {{"error", status.ToString()},
                {"applied_sequence", absl::StrCat(model_->applied_sequence())},
                {"retry_in_ms", absl::StrCat(absl::ToInt64Milliseconds(backoff))}});
    // Full jitter keeps several stats replicas from reconnecting in lockstep.
    const absl::Duration delay = backoff / 2 + absl::Uniform(random, 0.0, 0.5) * backoff;
    if (!Sleep(delay)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status FeedFollower::Stream(bool follow) {
  grpc::ClientContext context;
  // No deadline: a follow stream is meant to stay open. Keepalive on the channel notices a dead
  // peer; Stop() cancels.
  context.AddMetadata(kInternalTokenHeader, options_.internal_token);
  if (!follow) {
    // The catch-up may stream the whole log; an hour bounds a stuck call without cutting a big
    // rebuild short.
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    active_ = &context;
    ++streams_opened_;
  }
  const LogPosition position = model_->position();
  WatchEventsRequest request;
  request.set_after_sequence(position.sequence);
  request.set_change_log_id(position.change_log_id);
  request.set_after_etag(position.etag);
  request.set_follow(follow);
  std::unique_ptr<grpc::ClientReaderInterface<WatchEventsResponse>> reader =
      stub_->WatchEvents(&context, request);

  // Changes are parsed into messages on an arena: allocating an event's parts is a pointer bump,
  // and freeing them is one reset per ring-full instead of a free per string and submessage
  // (a rebuild parses the whole log). A catch-up applies a ring-full under one lock; a follower
  // applies each change as it arrives.
  const size_t ring_size = follow ? 1 : static_cast<size_t>(std::max(1, options_.catch_up_batch));
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 * 1024;
  arena_options.max_block_size = 1024 * 1024;
  google::protobuf::Arena arena(arena_options);
  std::vector<WatchEventsResponse*> ring;
  auto fresh_ring = [&] {
    ring.clear();
    for (size_t i = 0; i < ring_size; ++i) {
      ring.push_back(google::protobuf::Arena::CreateMessage<WatchEventsResponse>(&arena));
    }
  };
  fresh_ring();
  size_t filled = 0;
  absl::Status replaced;
  while (reader->Read(ring[filled])) {
    // The service checked the id the request named; a model that named none learns it from
    // the first change (ReadModel::Apply), and one that did must never see another.
    const std::string& log_id = ring[filled]->change_log_id();
    if (!log_id.empty() && !position.change_log_id.empty() && log_id != position.change_log_id) {
      replaced = absl::FailedPreconditionError(
          absl::StrCat("change_log_id: the stream is from change log \"", log_id,
                       "\", the model follows \"", position.change_log_id, "\""));
      context.TryCancel();
      break;
    }
    if (++filled == ring_size) {
      model_->Apply(ring.data(), filled);
      filled = 0;
      arena.Reset();
      fresh_ring();
    }
  }
  if (filled > 0) model_->Apply(ring.data(), filled);
  grpc::Status status = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    active_ = nullptr;
  }
  if (!replaced.ok()) return replaced;
  if (status.ok() && follow) {
    return absl::UnavailableError("the follow stream ended (the event service is stopping?)");
  }
  return FromGrpcStatus(status);
}

}  // namespace lookout::stats
