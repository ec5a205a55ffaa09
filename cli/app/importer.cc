#include "cli/app/importer.h"

#include <atomic>
#include <memory>
#include <utility>

namespace lookout::cli {
namespace {

// The rows of `reader`, noting how far into `in` they come from for the progress bar (read on
// another thread, so kept in an atomic; asked every few rows, as tellg is not free).
class PositionedReader : public RowReader {
 public:
  PositionedReader(std::unique_ptr<RowReader> reader, std::istream* in)
      : reader_(std::move(reader)), in_(in) {}

  Result Next(ParsedRow* row, RowError* error) override {
    const Result result = reader_->Next(row, error);
    if (++rows_ % 256 == 0 || result == Result::kEnd) {
      const std::streampos position = in_->tellg();
      if (position >= 0) position_.store(static_cast<int64_t>(position));
    }
    return result;
  }

  int64_t position() const { return position_.load(); }

 private:
  std::unique_ptr<RowReader> reader_;
  std::istream* in_;
  int64_t rows_ = 0;
  std::atomic<int64_t> position_{0};
};

}  // namespace

Importer::Importer(ApiClient* client, ImportSettings settings, std::ostream* err)
    : client_(client),
      settings_(std::move(settings)),
      err_(err),
      resolver_(client, /*create_missing=*/!settings_.dry_run) {
  // The import's reason goes with the actors it creates too.
  resolver_.set_reason(settings_.reason);
}

absl::Status Importer::Import(std::istream* in, ImportFormat format, const std::string& label,
                              Progress* progress, ImportTally* tally) {
  PositionedReader reader(RowReader::Create(format, in, settings_.reader), in);
  int printed = 0;
  auto on_rejection = [&](const Rejection& rejection) {
    if (!rejection.fatal) {
      if (printed >= settings_.max_printed_rejections) return;
      ++printed;
    }
    if (progress != nullptr) progress->Interrupt();
    *err_ << label << ":" << rejection.line << ": " << rejection.message << "\n";
  };
  auto on_progress = [&](int64_t rows) {
    if (progress != nullptr) progress->Update(rows, reader.position());
  };
  ImportPipeline pipeline(client_, &resolver_, settings_);
  *tally = ImportTally();
  absl::Status status = pipeline.Run(&reader, on_rejection, on_progress, tally);
  if (progress != nullptr) progress->Finish();
  if (!status.ok()) return status;
  // Rows past the printing cap, and rejections a stream counted without listing them.
  if (tally->rejected > printed) {
    *err_ << label << ": " << tally->rejected - printed << " more rejected rows not shown\n";
  }
  return absl::OkStatus();
}

}  // namespace lookout::cli
