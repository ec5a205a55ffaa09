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

absl::Status Importer::Import(std::istream* in, ImportFormat format, const std::string& label,
                              Progress* progress, ImportTally* tally) {
  printed_ = 0;
  unprinted_ = 0;
  progress_ = progress;
  std::unique_ptr<RowReader> reader = RowReader::Create(format, in, settings_.reader);

  // The stream opens with the first row worth sending.
  grpc::ClientContext context;
  ImportEventsResponse response;
  std::unique_ptr<grpc::ClientWriter<ImportEventsRequest>> writer;
  std::vector<int64_t> sent_lines;  // stream index -> line in the file
  bool stream_broken = false;

  std::vector<ParsedRow> batch;
  bool at_end = false;
  while (!at_end && !stream_broken) {
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
      if (writer != nullptr) context.TryCancel();
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
      if (writer == nullptr) {
        client_->Prepare(&context, settings_.stream_timeout);
        writer = client_->events()->ImportEvents(&context, &response);
        request.mutable_options()->set_upsert_by_external_id(true);
        request.mutable_options()->set_dry_run(settings_.dry_run);
      }
      sent_lines.push_back(row.line);
      if (!writer->Write(request)) {
        stream_broken = true;  // Finish() below says why
        break;
      }
    }
    if (progress != nullptr) progress->Update(tally->read, Position(in));
  }
  if (progress != nullptr) progress->Finish();
  progress_ = nullptr;

  if (writer != nullptr) {
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (!status.ok()) return FromGrpcStatus(status);
    tally->created += response.created();
    tally->updated += response.updated();
    tally->unchanged += response.unchanged();
    tally->rejected += response.rejected();
    for (const event::v1::ImportError& error : response.errors()) {
      const int64_t line =
          error.index() >= 0 && error.index() < static_cast<int64_t>(sent_lines.size())
              ? sent_lines[error.index()]
              : 0;
      Report(label, line, error.message());
    }
    const int64_t unlisted = response.rejected() - response.errors_size();
    if (unlisted > 0) unprinted_ += unlisted;
  }
  if (unprinted_ > 0) {
    *err_ << label << ": " << unprinted_ << " more rejected rows not shown\n";
  }
  return absl::OkStatus();
}

}  // namespace lookout::cli
