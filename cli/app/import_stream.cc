#include "cli/app/import_stream.h"

#include <utility>

namespace lookout::cli {

using ::lookout::event::v1::ImportEventsRequest;

ImportStream::ImportStream(ApiClient* client, bool dry_run, absl::Duration timeout)
    : client_(client), dry_run_(dry_run), timeout_(timeout) {
  Open();
}

bool ImportStream::Open() {
  writer_.reset();  // before the context it uses
  auto context = std::make_unique<grpc::ClientContext>();
  client_->Prepare(context.get(), timeout_);
  grpc::ClientContext* raw = context.get();
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return false;
    context_ = std::move(context);
  }
  response_.Clear();
  writer_ = client_->events()->ImportEvents(raw, &response_);
  writable_ = true;
  return true;
}

void ImportStream::Add(lookout::event::v1::Event event, int64_t seq) {
  ImportEventsRequest request;
  *request.mutable_event() = std::move(event);
  if (requests_.empty()) {
    request.mutable_options()->set_upsert_by_external_id(true);
    request.mutable_options()->set_dry_run(dry_run_);
    request.mutable_options()->set_reason(reason_);
  }
  if (writable_) writable_ = writer_->Write(request);  // when false, Finish() says why
  requests_.push_back(std::move(request));
  seqs_.push_back(seq);
}

grpc::Status ImportStream::Finish() {
  if (writable_) writer_->WritesDone();
  return writer_->Finish();
}

grpc::Status ImportStream::Close() {
  grpc::Status status = Finish();
  absl::Duration waited;
  for (int attempt = 0; status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED; ++attempt) {
    const absl::Duration delay = ApiClient::RetryDelay(status, attempt);
    if (waited + delay > ApiClient::kMaxRateLimitWait) break;
    absl::SleepFor(delay);
    waited += delay;
    if (!Open()) return grpc::Status(grpc::StatusCode::CANCELLED, "the import was stopped");
    for (const ImportEventsRequest& request : requests_) {
      if (!writable_) break;
      writable_ = writer_->Write(request);
    }
    status = Finish();
  }
  return status;
}

void ImportStream::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

int64_t ImportStream::SeqOf(int64_t index) const {
  return index >= 0 && index < static_cast<int64_t>(seqs_.size()) ? seqs_[index] : -1;
}

}  // namespace lookout::cli
