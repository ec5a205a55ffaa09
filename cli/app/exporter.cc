#include "cli/app/exporter.h"

#include <optional>
#include <vector>

#include "absl/strings/str_join.h"
#include "cli/app/event_csv.h"
#include "cli/app/output.h"
#include "cli/export/source_rows.h"
#include "cli/import/jsonl_format.h"
#include "common/grpc_status.h"

namespace lookout::cli {

absl::Status Exporter::Export(const event::v1::EventFilter& filter,
                              const std::function<Progress*(int64_t total)>& progress,
                              int64_t* count) {
  *count = 0;
  Progress* bar = nullptr;
  skipped_ = 0;
  skipped_at_sea_ = 0;
  std::optional<SourceFormat> source_format;
  if (settings_.format == ExportFormat::kAcled) source_format = SourceFormat::kAcled;
  if (settings_.format == ExportFormat::kUcdp) source_format = SourceFormat::kUcdp;
  if (settings_.format == ExportFormat::kGdelt) source_format = SourceFormat::kGdelt;
  const ActorFinder find_actor = [this](const std::string& id) { return actors_.Find(id); };
  if (settings_.format == ExportFormat::kCsv) *out_ << CsvLine(EventCsvHeader()) << "\n";
  // ACLED and UCDP files start with their header row; GDELT's have none.
  if (source_format && *source_format != SourceFormat::kGdelt) {
    *out_ << CsvLine(SourceColumns(*source_format)) << "\n";
  }
  event::v1::ListEventsRequest request;
  *request.mutable_filter() = filter;
  request.set_page_size(settings_.page_size);
  request.set_order_by("event_date asc");
  request.set_as_of_sequence(settings_.as_of_sequence);
  if (settings_.has_as_of_time) *request.mutable_as_of_time() = settings_.as_of_time;
  for (;;) {
    event::v1::ListEventsResponse response;
    grpc::Status status = client_->Unary([&](grpc::ClientContext* context) {
      return client_->events()->ListEvents(context, request, &response);
    });
    if (!status.ok()) return FromGrpcStatus(status);
    if (bar == nullptr && progress) bar = progress(response.total_size());

    std::vector<const event::v1::Event*> page;
    for (const auto& event : response.events()) page.push_back(&event);
    absl::Status loaded = actors_.Load(page);
    if (!loaded.ok()) return loaded;
    for (const event::v1::Event& event : response.events()) {
      if (source_format) {
        std::optional<std::vector<std::string>> row = SourceRow(*source_format, event, find_actor);
        if (!row) {
          ++skipped_;
          if (IsAtSea(event)) ++skipped_at_sea_;
          continue;
        }
        if (*source_format == SourceFormat::kGdelt) {
          *out_ << absl::StrJoin(*row, "\t") << "\n";
        } else {
          *out_ << CsvLine(*row) << "\n";
        }
      } else if (settings_.format == ExportFormat::kCsv) {
        *out_ << CsvLine(EventCsvRow(event, actors_)) << "\n";
      } else {
        std::vector<const actor::v1::Actor*> named;
        for (const auto& participant : event.participants()) {
          named.push_back(actors_.Find(participant.actor_id()));
        }
        *out_ << FormatJsonlLine(event, named) << "\n";
      }
      ++*count;
    }
    if (!*out_)
      return absl::DataLossError("could not write the output (disk full or closed pipe?)");
    if (bar != nullptr) bar->Update(*count, *count);
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  if (bar != nullptr) bar->Finish();
  out_->flush();
  return absl::OkStatus();
}

}  // namespace lookout::cli
