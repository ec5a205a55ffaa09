// lookout export events --format csv|jsonl|acled|ucdp|gdelt [filters] [--out FILE] [--page-size N]
// [--as-of SEQ]
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/app/actor_lookup.h"
#include "cli/app/commands.h"
#include "cli/app/exit_codes.h"
#include "cli/app/exporter.h"
#include "cli/app/filter_flags.h"

namespace lookout::cli {

int RunExport(const CommandContext& context) {
  int exit_code = kExitOk;
  const auto allowed = WithFlags(FilterFlagNames(), {"format", "out", "page-size", "as-of"});
  if (!context.FlagsAllowed(allowed, "export", &exit_code)) return exit_code;
  const auto& words = context.args.positional();
  if (words.size() != 2 || words[1] != "events") {
    return context.Usage("expected 'lookout export events --format csv|jsonl|acled|ucdp|gdelt'",
                         "export");
  }
  ExportSettings settings;
  const std::string format = context.args.GetOr("format", "jsonl");
  if (format == "csv") {
    settings.format = ExportFormat::kCsv;
  } else if (format == "acled") {
    settings.format = ExportFormat::kAcled;
  } else if (format == "ucdp") {
    settings.format = ExportFormat::kUcdp;
  } else if (format == "gdelt") {
    settings.format = ExportFormat::kGdelt;
  } else if (format != "jsonl") {
    return context.Usage(
        absl::StrCat("--format must be csv, jsonl, acled, ucdp or gdelt, got \"", format, "\""),
        "export");
  }
  if (context.args.Has("page-size") &&
      (!absl::SimpleAtoi(context.args.GetOr("page-size", ""), &settings.page_size) ||
       settings.page_size < 1 || settings.page_size > 1000)) {
    return context.Usage("--page-size must be a whole number from 1 to 1000", "export");
  }
  {
    event::v1::ListEventsRequest as_of;
    if (!SetAsOf(context.args, &as_of)) return context.Usage(kAsOfUsage, "export");
    settings.as_of_sequence = as_of.as_of_sequence();
    settings.has_as_of_time = as_of.has_as_of_time();
    settings.as_of_time = as_of.as_of_time();
  }
  absl::StatusOr<event::v1::EventFilter> filter = FilterFromArgs(context.args);
  if (!filter.ok()) return context.Usage(filter.status().message(), "export");
  if (int code = ResolveActorFlag(context, &*filter); code != kExitOk) return code;

  std::unique_ptr<std::ofstream> file;
  std::ostream* out = &context.out;
  const std::string path = context.args.GetOr("out", "-");
  if (path != "-") {
    file = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
    if (!*file) {
      return context.Fail(kExitUsage,
                          absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
    }
    out = file.get();
  }

  std::unique_ptr<Progress> progress;
  Exporter exporter(context.client, settings, out);
  int64_t count = 0;
  absl::Status status = exporter.Export(
      *filter,
      [&](int64_t total) {
        progress = std::make_unique<Progress>(
            &context.err, Progress::StyleFor(context.stderr_is_terminal, context.quiet),
            "export events", total);
        return progress.get();
      },
      &count);
  if (!status.ok()) {
    if (status.code() == absl::StatusCode::kDataLoss) {
      return context.Fail(kExitUsage, status.message());
    }
    return context.FailStatus(status);
  }
  if (!context.quiet) {
    context.err << "lookout: exported " << count << (count == 1 ? " event" : " events")
                << (path == "-" ? "" : absl::StrCat(" to ", path)) << "\n";
    // UCDP leaves out what is no organised violence and, as it places every event in a
    // country, every event at sea: the two counts apart.
    const int64_t at_sea = exporter.skipped_at_sea();
    const int64_t not_violence = exporter.skipped() - at_sea;
    if (not_violence > 0) {
      context.err << "lookout: left out " << not_violence
                  << (not_violence == 1 ? " event" : " events")
                  << " the format cannot hold (UCDP GED records organised violence only)\n";
    }
    if (at_sea > 0) {
      context.err << "lookout: left out " << at_sea << (at_sea == 1 ? " event" : " events")
                  << " at sea (UCDP GED places every event in a country)\n";
    }
  }
  return kExitOk;
}

}  // namespace lookout::cli
