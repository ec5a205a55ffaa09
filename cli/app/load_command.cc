// lookout load DATASET.json: actors, relationships, events and figures in one file, loaded so
// that loading it again changes nothing (data/haiti-demo.json is the demo dataset).
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "cli/app/commands.h"
#include "cli/app/dataset_loader.h"
#include "cli/app/exit_codes.h"
#include "cli/import/dataset_format.h"

namespace lookout::cli {

int RunLoad(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"reason"}, "load", &exit_code)) return exit_code;
  const auto& words = context.args.positional();
  if (words.size() != 2) return context.Usage("expected 'lookout load DATASET.json'", "load");
  std::ifstream file(words[1], std::ios::binary);
  if (!file) {
    return context.Fail(kExitUsage,
                        absl::StrCat("cannot open ", words[1], ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<Dataset> dataset = ParseDataset(text.str());
  if (!dataset.ok()) {
    return context.Fail(kExitUsage, absl::StrCat(words[1], ": ", dataset.status().message()));
  }
  LoadTally tally;
  std::vector<std::string> rejections;
  absl::Status status = LoadDataset(context.client, *dataset, &tally, &rejections,
                                    context.args.GetOr("reason", ""));
  for (const std::string& rejection : rejections) {
    context.err << words[1] << ": " << rejection << "\n";
  }
  context.out << dataset->name << ": actors " << tally.actors_created << " created, "
              << tally.actors_found << " already there; relationships "
              << tally.relationships_created << " created, " << tally.relationships_found
              << " already there; events " << tally.events_created << " created, "
              << tally.events_updated << " updated, " << tally.events_unchanged << " unchanged, "
              << tally.events_rejected << " rejected; figures " << tally.figures_created
              << " created, " << tally.figures_found << " already there"
              << (status.ok() ? "" : " (stopped)") << "\n";
  if (!status.ok()) return context.FailStatus(status);
  return tally.events_rejected > 0 ? kExitPartial : kExitOk;
}

}  // namespace lookout::cli
