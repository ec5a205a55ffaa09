#include "cli/app/revision_table.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/app/output.h"

namespace lookout::cli {
namespace {

std::string ChangeTypeWord(event::v1::ChangeType type) {
  switch (type) {
    case event::v1::CHANGE_TYPE_CREATED:
      return "created";
    case event::v1::CHANGE_TYPE_UPDATED:
      return "updated";
    case event::v1::CHANGE_TYPE_DELETED:
      return "deleted";
    default:
      return "?";
  }
}

}  // namespace

std::vector<std::string> RevisionRow(
    int64_t sequence, event::v1::ChangeType type, const event::v1::ChangeProvenance& provenance,
    const google::protobuf::RepeatedPtrField<std::string>& changed_paths) {
  std::string when;
  if (provenance.has_time()) {
    when =
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                         absl::FromUnixSeconds(provenance.time().seconds()), absl::UTCTimeZone());
  }
  return {absl::StrCat(sequence),
          when,
          provenance.principal(),
          ChangeTypeWord(type),
          absl::StrJoin(changed_paths, ","),
          provenance.reason()};
}

void PrintRevisionRows(const CommandContext& context,
                       const std::vector<std::vector<std::string>>& rows) {
  const std::vector<std::string> header = {"SEQUENCE", "WHEN", "WHO", "CHANGE", "FIELDS", "WHY"};
  if (context.output == OutputFormat::kCsv) {
    context.out << CsvLine(header) << "\n";
    for (const auto& row : rows) context.out << CsvLine(row) << "\n";
    return;
  }
  Table table(header);
  table.AlignRight({0});
  for (std::vector<std::string> cells : rows) {
    cells[4] = Ellipsize(cells[4], 40);
    cells[5] = Ellipsize(cells[5], 60);
    table.AddRow(cells);
  }
  table.Print(context.out);
}

}  // namespace lookout::cli
