// lookout stats aggregate [filters] --by month,event_type [--order-by ..] [--limit N] [--fill-gaps]
// lookout stats trends [filters] --end-date D [--window 30] [--dimension event_type] [--limit N]
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/app/actor_lookup.h"
#include "cli/app/commands.h"
#include "cli/app/enum_names.h"
#include "cli/app/exit_codes.h"
#include "cli/app/filter_flags.h"
#include "common/validation.h"

namespace lookout::cli {
namespace {

bool IntFlag(const CommandContext& context, absl::string_view name, int min, int* value) {
  if (!context.args.Has(name)) return true;
  return absl::SimpleAtoi(context.args.GetOr(name, ""), value) && *value >= min;
}

int Aggregate(const CommandContext& context) {
  int exit_code = kExitOk;
  const auto allowed = WithFlags(FilterFlagNames(), {"by", "order-by", "limit", "fill-gaps"});
  if (!context.FlagsAllowed(allowed, "stats aggregate", &exit_code)) return exit_code;
  absl::StatusOr<event::v1::EventFilter> filter = FilterFromArgs(context.args);
  if (!filter.ok()) return context.Usage(filter.status().message(), "stats");
  if (int code = ResolveActorFlag(context, &*filter); code != kExitOk) return code;
  stats::v1::AggregateEventsRequest request;
  *request.mutable_filter() = *filter;
  std::vector<std::string> headers;
  for (const std::string& by : context.args.GetList("by")) {
    absl::StatusOr<stats::v1::Dimension> dimension =
        ParseEnum<stats::v1::Dimension>(stats::v1::Dimension_descriptor(), "by", by);
    if (!dimension.ok()) return context.Usage(dimension.status().message(), "stats");
    request.add_group_by(*dimension);
    headers.push_back(ShortEnumName(stats::v1::Dimension_descriptor(), *dimension));
  }
  request.set_order_by(context.args.GetOr("order-by", ""));
  int limit = 0;
  if (!IntFlag(context, "limit", 0, &limit)) {
    return context.Usage("--limit must be a whole number >= 0", "stats");
  }
  request.set_limit(limit);
  request.set_fill_gaps(context.args.Flag("fill-gaps"));
  stats::v1::AggregateEventsResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->stats()->AggregateEvents(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response) << "\n";
    return kExitOk;
  }
  std::vector<std::string> header = headers;
  header.push_back("EVENTS");
  header.push_back("FATALITIES");
  if (context.output == OutputFormat::kCsv) {
    std::vector<std::string> lower;
    for (std::string h : header) lower.push_back(absl::AsciiStrToLower(h));
    context.out << CsvLine(lower) << "\n";
    for (const auto& row : response.rows()) {
      std::vector<std::string> fields(row.keys().begin(), row.keys().end());
      fields.push_back(absl::StrCat(row.event_count()));
      fields.push_back(absl::StrCat(row.fatalities()));
      context.out << CsvLine(fields) << "\n";
    }
    return kExitOk;
  }
  Table table(header);
  table.AlignRight({headers.size(), headers.size() + 1});
  for (const auto& row : response.rows()) {
    std::vector<std::string> fields(row.keys().begin(), row.keys().end());
    fields.push_back(Thousands(row.event_count()));
    fields.push_back(Thousands(row.fatalities()));
    table.AddRow(fields);
  }
  if (!headers.empty()) table.Print(context.out);
  context.out << "Total: " << Thousands(response.total_events()) << " events, "
              << Thousands(response.total_fatalities()) << " fatalities\n";
  return kExitOk;
}

int Trends(const CommandContext& context) {
  int exit_code = kExitOk;
  const auto allowed = WithFlags(FilterFlagNames(), {"end-date", "window", "dimension", "limit"});
  if (!context.FlagsAllowed(allowed, "stats trends", &exit_code)) return exit_code;
  absl::StatusOr<event::v1::EventFilter> filter =
      FilterFromArgs(context.args, /*allow_dates=*/false);
  if (!filter.ok()) return context.Usage(filter.status().message(), "stats");
  if (int code = ResolveActorFlag(context, &*filter); code != kExitOk) return code;
  stats::v1::GetTrendsRequest request;
  *request.mutable_filter() = *filter;
  const std::string end_date = context.args.GetOr("end-date", "");
  if (end_date.empty() || !validation::ParseDate(end_date).ok()) {
    return context.Usage("--end-date YYYY-MM-DD is required", "stats");
  }
  request.set_end_date(end_date);
  int window = 30, limit = 0;
  if (!IntFlag(context, "window", 1, &window)) {
    return context.Usage("--window must be a number of days >= 1", "stats");
  }
  if (!IntFlag(context, "limit", 0, &limit)) {
    return context.Usage("--limit must be a whole number >= 0", "stats");
  }
  request.set_window_days(window);
  request.set_limit(limit);
  absl::StatusOr<stats::v1::Dimension> dimension =
      ParseEnum<stats::v1::Dimension>(stats::v1::Dimension_descriptor(), "dimension",
                                      context.args.GetOr("dimension", "event_type"));
  if (!dimension.ok()) return context.Usage(dimension.status().message(), "stats");
  request.set_dimension(*dimension);
  stats::v1::GetTrendsResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->stats()->GetTrends(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response) << "\n";
    return kExitOk;
  }
  const std::string dim = ShortEnumName(stats::v1::Dimension_descriptor(), *dimension);
  if (context.output == OutputFormat::kCsv) {
    context.out << CsvLine({absl::AsciiStrToLower(dim), "current_events", "previous_events",
                            "current_fatalities", "previous_fatalities", "change_ratio"})
                << "\n";
    for (const auto& row : response.rows()) {
      context.out << CsvLine({row.key(), absl::StrCat(row.current_events()),
                              absl::StrCat(row.previous_events()),
                              absl::StrCat(row.current_fatalities()),
                              absl::StrCat(row.previous_fatalities()),
                              absl::StrCat(row.change_ratio())})
                  << "\n";
    }
    return kExitOk;
  }
  context.out << "Current " << response.current_period().start_date() << " to "
              << response.current_period().end_date() << ", previous "
              << response.previous_period().start_date() << " to "
              << response.previous_period().end_date() << "\n";
  Table table({dim, "EVENTS", "BEFORE", "FATALITIES", "BEFORE", "CHANGE"});
  table.AlignRight({1, 2, 3, 4, 5});
  for (const auto& row : response.rows()) {
    table.AddRow({row.key(), Thousands(row.current_events()), Thousands(row.previous_events()),
                  Thousands(row.current_fatalities()), Thousands(row.previous_fatalities()),
                  absl::StrFormat("%+.0f%%", row.change_ratio() * 100)});
  }
  table.Print(context.out);
  return kExitOk;
}

}  // namespace

int RunStats(const CommandContext& context) {
  const auto& words = context.args.positional();
  if (words.size() < 2)
    return context.Usage("expected 'stats aggregate' or 'stats trends'", "stats");
  if (words[1] == "aggregate") return Aggregate(context);
  if (words[1] == "trends") return Trends(context);
  return context.Usage(absl::StrCat("unknown subcommand 'stats ", words[1], "'"), "stats");
}

}  // namespace lookout::cli
