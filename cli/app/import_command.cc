// lookout import acled|ucdp|gdelt|jsonl FILE... [--dry-run] [--repair-ranges] [--parallel N]
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/app/commands.h"
#include "cli/app/exit_codes.h"
#include "cli/app/importer.h"
#include "cli/app/progress.h"

namespace lookout::cli {
namespace {

// --batch-size is accepted for the scripts that pass it; names are resolved as rows arrive now.
constexpr absl::string_view kFlags[] = {"dry-run", "repair-ranges", "parallel", "batch-size",
                                        "reason"};
constexpr int kMaxParallel = 16;

std::string Summary(absl::string_view label, const ImportTally& tally, bool dry_run) {
  return absl::StrCat(label, ": read ", tally.read, ", ", dry_run ? "would create " : "created ",
                      tally.created, ", updated ", tally.updated, ", unchanged ", tally.unchanged,
                      ", rejected ", tally.rejected, tally.file_failed ? " (file not read)" : "");
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int RunImport(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed(kFlags, "import", &exit_code)) return exit_code;
  const auto& words = context.args.positional();  // "import", format, files...
  if (words.size() < 2) return context.Usage("import needs a format and a file", "import");
  std::optional<ImportFormat> format = ParseImportFormat(words[1]);
  if (!format) {
    return context.Usage(absl::StrCat("unknown import format \"", words[1],
                                      "\" (expected acled, ucdp, gdelt or jsonl)"),
                         "import");
  }
  if (words.size() < 3) return context.Usage("import needs at least one file", "import");

  ImportSettings settings;
  settings.dry_run = context.args.Flag("dry-run");
  settings.reason = context.args.GetOr("reason", "");
  settings.reader.repair_ranges = context.args.Flag("repair-ranges");
  if (context.args.Has("parallel")) {
    if (!absl::SimpleAtoi(context.args.GetOr("parallel", ""), &settings.parallel) ||
        settings.parallel < 1 || settings.parallel > kMaxParallel) {
      return context.Usage(
          absl::StrCat("--parallel must be a whole number from 1 to ", kMaxParallel, ", got \"",
                       context.args.GetOr("parallel", ""), "\""),
          "import");
    }
  }
  if (context.args.Has("batch-size")) {
    int batch_size = 0;
    if (!absl::SimpleAtoi(context.args.GetOr("batch-size", ""), &batch_size) || batch_size < 1 ||
        batch_size > 10000) {
      return context.Usage("--batch-size must be a whole number from 1 to 10000", "import");
    }
  }

  // Every file must open before anything is imported: a typo should not leave half a job.
  struct Input {
    std::string path;
    std::unique_ptr<std::ifstream> file;
    int64_t size = 0;
  };
  std::vector<Input> inputs;
  for (size_t i = 2; i < words.size(); ++i) {
    Input input;
    input.path = words[i];
    if (input.path != "-") {
      struct stat info;
      if (stat(input.path.c_str(), &info) != 0) {
        return context.Fail(kExitUsage,
                            absl::StrCat("cannot open ", input.path, ": ", std::strerror(errno)));
      }
      if (S_ISDIR(info.st_mode)) {
        return context.Fail(kExitUsage,
                            absl::StrCat("cannot open ", input.path, ": it is a directory"));
      }
      input.file = std::make_unique<std::ifstream>(input.path, std::ios::binary);
      if (!*input.file) {
        return context.Fail(kExitUsage,
                            absl::StrCat("cannot open ", input.path, ": ", std::strerror(errno)));
      }
      input.size = static_cast<int64_t>(info.st_size);
    }
    inputs.push_back(std::move(input));
  }

  Importer importer(context.client, settings, &context.err);
  ImportTally total;
  for (Input& input : inputs) {
    std::istream* in = input.file ? static_cast<std::istream*>(input.file.get()) : &std::cin;
    const std::string label = input.path == "-" ? "stdin" : input.path;
    Progress progress(&context.err, Progress::StyleFor(context.stderr_is_terminal, context.quiet),
                      absl::StrCat("import ", BaseName(label)), input.size);
    ImportTally tally;
    absl::Status status = importer.Import(in, *format, label, &progress, &tally);
    total += tally;
    if (!status.ok()) {
      context.out << Summary(label, tally, settings.dry_run) << " (stopped)\n";
      return context.FailStatus(status);
    }
    context.out << Summary(label, tally, settings.dry_run) << "\n";
  }
  if (inputs.size() > 1) context.out << Summary("total", total, settings.dry_run) << "\n";
  if (importer.resolver().created() > 0) {
    context.out << "actors created: " << importer.resolver().created() << "\n";
  }
  return total.rejected > 0 || total.file_failed ? kExitPartial : kExitOk;
}

}  // namespace lookout::cli
