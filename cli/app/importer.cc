#include "cli/app/importer.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace lookout::cli {
namespace {

using ::lookout::event::v1::ImportEventsRequest;
using ::lookout::event::v1::ImportEventsResponse;

int64_t Position(std::istream* in) {
  const std::streampos position = in->tellg();
  return position < 0 ? 0 : static_cast<int64_t>(position);
}

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

Importer::Importer(ApiClient* client, ImportSettings settings, std::ostream* err)
    : client_(client),
      settings_(settings),
      err_(err),
      resolver_(client, /*create_missing=*/!settings.dry_run) {}

void Importer::Report(const std::string& label, int64_t line, const std::string& message) {
  if (printed_ >= settings_.max_printed_rejections) {
    ++unprinted_;
    return;
  }
  ++printed_;
  if (progress_ != nullptr) progress_->Interrupt();
  *err_ << label << ":" << line << ": " << message << "\n";
}

class Importer::Stream {
 public:
  Stream(ApiClient* client, const ImportSettings& settings) : client_(client), settings_(settings) {
    Open();
  }

  void Add(ImportEventsRequest request, int64_t line) {
    if (requests_.empty()) {
      request.mutable_options()->set_upsert_by_external_id(true);
      request.mutable_options()->set_dry_run(settings_.dry_run);
    }
    if (writable_) writable_ = writer_->Write(request);  // when false, Finish() says why
    requests_.push_back(std::move(request));
    lines_.push_back(line);
  }

  // Ends the stream and waits for the server's answer.
  grpc::Status Finish() {
    if (writable_) writer_->WritesDone();
    return writer_->Finish();
  }

  // A new stream carrying every row again.
  void Resend() {
    Open();
    for (const ImportEventsRequest& request : requests_) {
      if (!writable_) break;
      writable_ = writer_->Write(request);
    }
  }

  void Cancel() { context_->TryCancel(); }
  int size() const { return static_cast<int>(requests_.size()); }
  const ImportEventsResponse& response() const { return response_; }
  // The file line of the stream's row `index`, 0 when out of range.
  int64_t LineOf(int64_t index) const {
    return index >= 0 && index < static_cast<int64_t>(lines_.size()) ? lines_[index] : 0;
  }

 private:
  void Open() {
    context_ = std::make_unique<grpc::ClientContext>();
    client_->Prepare(context_.get(), settings_.stream_timeout);
    response_.Clear();
    writer_ = client_->events()->ImportEvents(context_.get(), &response_);
    writable_ = true;
  }

  ApiClient* client_;
  const ImportSettings& settings_;
  std::unique_ptr<grpc::ClientContext> context_;
  ImportEventsResponse response_;
  std::unique_ptr<grpc::ClientWriter<ImportEventsRequest>> writer_;
  bool writable_ = false;
  std::vector<ImportEventsRequest> requests_;
  std::vector<int64_t> lines_;
};

absl::Status Importer::Close(Stream* stream, const std::string& label, ImportTally* tally) {
  grpc::Status status = stream->Finish();
  absl::Duration waited;
  for (int attempt = 0; status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED; ++attempt) {
    const absl::Duration delay = ApiClient::RetryDelay(status, attempt);
    if (waited + delay > ApiClient::kMaxRateLimitWait) break;
    absl::SleepFor(delay);
    waited += delay;
    stream->Resend();
    status = stream->Finish();
  }
  if (!status.ok()) return FromGrpcStatus(status);
  const ImportEventsResponse& response = stream->response();
  tally->created += response.created();
  tally->updated += response.updated();
  tally->unchanged += response.unchanged();
  tally->rejected += response.rejected();
  for (const event::v1::ImportError& error : response.errors()) {
    Report(label, stream->LineOf(error.index()), error.message());
  }
  const int64_t unlisted = response.rejected() - response.errors_size();
  if (unlisted > 0) unprinted_ += unlisted;
  return absl::OkStatus();
}

absl::Status Importer::Import(std::istream* in, ImportFormat format, const std::string& label,
                              Progress* progress, ImportTally* tally) {
  printed_ = 0;
  unprinted_ = 0;
  progress_ = progress;
  std::unique_ptr<RowReader> reader = RowReader::Create(format, in, settings_.reader);

  std::unique_ptr<Stream> stream;
  std::vector<ParsedRow> batch;
  bool at_end = false;
  while (!at_end) {
    batch.clear();
    while (static_cast<int>(batch.size()) < settings_.batch_size) {
      ParsedRow row;
      RowError error;
      const RowReader::Result result = reader->Next(&row, &error);
      if (result == RowReader::Result::kEnd) {
        at_end = true;
        break;
      }
      if (result == RowReader::Result::kRejected) {
        if (error.fatal) {
          tally->file_failed = true;
          *err_ << label << ":" << error.line << ": " << error.message << "\n";
          at_end = true;
          break;
        }
        ++tally->read;
        ++tally->rejected;
        Report(label, error.line, error.message);
        continue;
      }
      ++tally->read;
      batch.push_back(std::move(row));
    }
    if (batch.empty()) continue;

    std::vector<const ActorRef*> refs;
    for (const ParsedRow& row : batch) {
      for (const ActorRef& ref : row.actors) refs.push_back(&ref);
    }
    absl::Status resolved = resolver_.Resolve(refs);
    if (!resolved.ok()) {
      if (stream != nullptr) stream->Cancel();
      return resolved;
    }

    for (ParsedRow& row : batch) {
      ImportEventsRequest request;
      event::v1::Event* event = request.mutable_event();
      *event = std::move(row.event);
      std::set<std::pair<std::string, int>> seen;
      std::string problem;
      for (const ActorRef& ref : row.actors) {
        std::string why;
        const std::string id = resolver_.Lookup(ref, &why);
        if (id.empty()) {
          // In a dry run a missing actor would be created by a real import: leave it out.
          if (settings_.dry_run && why.empty()) continue;
          if (settings_.dry_run && why == "no actor has this name") continue;
          problem = absl::StrCat("actor \"", ref.name, "\": ", why);
          break;
        }
        if (!seen.emplace(id, ref.role).second) continue;
        auto* participant = event->add_participants();
        participant->set_actor_id(id);
        participant->set_role(ref.role);
      }
      if (!problem.empty()) {
        ++tally->rejected;
        Report(label, row.line, problem);
        continue;
      }
      if (stream == nullptr) stream = std::make_unique<Stream>(client_, settings_);
      stream->Add(std::move(request), row.line);
      if (stream->size() >= settings_.stream_rows) {
        absl::Status closed = Close(stream.get(), label, tally);
        stream.reset();
        if (!closed.ok()) return closed;
      }
    }
    if (progress != nullptr) progress->Update(tally->read, Position(in));
  }
  if (progress != nullptr) progress->Finish();
  progress_ = nullptr;
  if (stream != nullptr) {
    absl::Status closed = Close(stream.get(), label, tally);
    if (!closed.ok()) return closed;
  }
  if (unprinted_ > 0) {
    *err_ << label << ": " << unprinted_ << " more rejected rows not shown\n";
  }
  return absl::OkStatus();
}

}  // namespace lookout::cli
