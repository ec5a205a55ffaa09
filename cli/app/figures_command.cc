// Reported figures (observations):
//   lookout figures add --metric M --value N [--low N] [--high N] [--qualifier at-least]
//       [--unit persons] --from D [--to D] [--point-in-time] --country C [--admin1 A]
//       [--origin C] [--destination TEXT] --source NAME [--source-url U] [--source-date D]
//       [--notes TEXT] [--request-id ID] [--reason TEXT]
//   lookout figures list [--metric M] [--country C] [--from D] [--to D] [--source NAME] [--limit N]
//   lookout figures get ID
//   lookout figures delete ID [--reason TEXT]
//   lookout figures history ID [--limit N]
//   lookout figures summarize --metric M --country C [--from D] [--to D]
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <iterator>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "cli/app/commands.h"
#include "cli/app/enum_names.h"
#include "cli/app/exit_codes.h"
#include "cli/app/report_renderer.h"
#include "cli/app/revision_table.h"
#include "common/status_macros.h"
#include "common/validation.h"

namespace lookout::cli {
namespace {

using ::lookout::stats::v1::Observation;

absl::Status DateFlag(const CommandContext& context, absl::string_view name, std::string* out) {
  *out = context.args.GetOr(name, "");
  if (out->empty() || validation::ParseDate(*out).ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", name, " must be a date YYYY-MM-DD, got \"", *out, "\""));
}

// --from and --to, each empty or a real date.
absl::Status PeriodFlags(const CommandContext& context, std::string* from, std::string* to) {
  LOOKOUT_RETURN_IF_ERROR(DateFlag(context, "from", from));
  return DateFlag(context, "to", to);
}

absl::Status CountFlag(const CommandContext& context, absl::string_view name, int64_t* out) {
  if (absl::SimpleAtoi(context.args.GetOr(name, ""), out) && *out >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", name, " must be a whole number >= 0"));
}

std::vector<std::string> ObservationRow(const Observation& o) {
  return {
      o.id(),
      ShortEnumName(stats::v1::Metric_descriptor(), o.metric()),
      CountText(o.value()),
      absl::AsciiStrToLower(ShortEnumName(stats::v1::Unit_descriptor(), o.unit())),
      absl::StrCat(o.period().start_date(),
                   o.period().end_date().empty() || o.period().end_date() == o.period().start_date()
                       ? ""
                       : " to " + o.period().end_date()),
      o.country_code(),
      o.source().name()};
}

// The columns of 'figures list' (and of -o csv for 'figures get').
constexpr const char* kListHeader[] = {"ID",     "METRIC",  "VALUE", "UNIT",
                                       "PERIOD", "COUNTRY", "SOURCE"};

void PrintObservationsCsv(const CommandContext& context, const std::vector<Observation>& list) {
  std::vector<std::string> header;
  for (const char* h : kListHeader) header.push_back(absl::AsciiStrToLower(h));
  context.out << CsvLine(header) << "\n";
  for (const Observation& o : list) context.out << CsvLine(ObservationRow(o)) << "\n";
}

int Add(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed(
          {"metric", "value", "low", "high", "qualifier", "unit", "from", "to", "point-in-time",
           "country", "admin1", "origin", "destination", "source", "source-url", "source-date",
           "notes", "request-id", "reason"},
          "figures add", &exit_code)) {
    return exit_code;
  }
  Observation observation;
  auto metric = ParseEnum<stats::v1::Metric>(stats::v1::Metric_descriptor(), "metric",
                                             context.args.GetOr("metric", ""));
  if (!metric.ok()) return context.Usage(metric.status().message(), "figures");
  observation.set_metric(*metric);
  auto* value = observation.mutable_value();
  int64_t number = 0;
  if (absl::Status s = CountFlag(context, "value", &number); !s.ok()) {
    return context.Usage(s.message(), "figures");
  }
  value->set_best(number);
  if (context.args.Has("low")) {
    if (absl::Status s = CountFlag(context, "low", &number); !s.ok()) {
      return context.Usage(s.message(), "figures");
    }
    value->set_low(number);
  }
  if (context.args.Has("high")) {
    if (absl::Status s = CountFlag(context, "high", &number); !s.ok()) {
      return context.Usage(s.message(), "figures");
    }
    value->set_high(number);
  }
  auto qualifier = ParseEnum<type::v1::Qualifier>(type::v1::Qualifier_descriptor(), "qualifier",
                                                  context.args.GetOr("qualifier", "exact"));
  if (!qualifier.ok()) return context.Usage(qualifier.status().message(), "figures");
  value->set_qualifier(*qualifier);
  auto unit = ParseEnum<stats::v1::Unit>(stats::v1::Unit_descriptor(), "unit",
                                         context.args.GetOr("unit", "persons"));
  if (!unit.ok()) return context.Usage(unit.status().message(), "figures");
  observation.set_unit(*unit);
  std::string from, to;
  if (absl::Status s = PeriodFlags(context, &from, &to); !s.ok()) {
    return context.Usage(s.message(), "figures");
  }
  if (from.empty()) return context.Usage("--from YYYY-MM-DD is required", "figures");
  observation.mutable_period()->set_start_date(from);
  observation.mutable_period()->set_end_date(to.empty() ? from : to);
  observation.set_period_kind(context.args.Flag("point-in-time")
                                  ? stats::v1::PERIOD_KIND_POINT_IN_TIME
                                  : stats::v1::PERIOD_KIND_INTERVAL);
  observation.set_country_code(absl::AsciiStrToUpper(context.args.GetOr("country", "")));
  observation.set_admin1(context.args.GetOr("admin1", ""));
  observation.set_origin_country_code(absl::AsciiStrToUpper(context.args.GetOr("origin", "")));
  observation.set_destination(context.args.GetOr("destination", ""));
  observation.mutable_source()->set_name(context.args.GetOr("source", ""));
  observation.mutable_source()->set_url(context.args.GetOr("source-url", ""));
  std::string source_date;
  if (absl::Status s = DateFlag(context, "source-date", &source_date); !s.ok()) {
    return context.Usage(s.message(), "figures");
  }
  observation.mutable_source()->set_published_date(source_date);
  observation.set_notes(context.args.GetOr("notes", ""));

  stats::v1::RecordObservationRequest request;
  *request.mutable_observation() = observation;
  request.set_request_id(context.args.GetOr("request-id", ""));
  request.set_reason(context.args.GetOr("reason", ""));
  stats::v1::RecordObservationResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->stats()->RecordObservation(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response.observation()) << "\n";
  } else {
    context.out << "recorded " << response.observation().id() << "\n";
  }
  return kExitOk;
}

int List(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"metric", "country", "from", "to", "source", "limit"}, "figures list",
                            &exit_code)) {
    return exit_code;
  }
  stats::v1::ListObservationsRequest request;
  if (context.args.Has("metric")) {
    auto metric = ParseEnum<stats::v1::Metric>(stats::v1::Metric_descriptor(), "metric",
                                               context.args.GetOr("metric", ""));
    if (!metric.ok()) return context.Usage(metric.status().message(), "figures");
    request.set_metric(*metric);
  }
  request.set_country_code(absl::AsciiStrToUpper(context.args.GetOr("country", "")));
  std::string from, to;
  if (absl::Status s = PeriodFlags(context, &from, &to); !s.ok()) {
    return context.Usage(s.message(), "figures");
  }
  request.mutable_period()->set_start_date(from);
  request.mutable_period()->set_end_date(to);
  request.set_source_name(context.args.GetOr("source", ""));
  int64_t limit = 50;
  if (context.args.Has("limit") &&
      (!absl::SimpleAtoi(context.args.GetOr("limit", ""), &limit) || limit < 0)) {
    return context.Usage("--limit must be a whole number (0 for all)", "figures");
  }
  std::vector<Observation> observations;
  for (;;) {
    request.set_page_size(static_cast<int32_t>(
        limit == 0 ? 1000 : std::min<int64_t>(1000, limit - observations.size())));
    stats::v1::ListObservationsResponse response;
    grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
      return context.client->stats()->ListObservations(call, request, &response);
    });
    if (!status.ok()) return context.FailRpc(status);
    for (const Observation& o : response.observations()) observations.push_back(o);
    if (response.next_page_token().empty() ||
        (limit > 0 && static_cast<int64_t>(observations.size()) >= limit)) {
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  if (context.output == OutputFormat::kJson) {
    stats::v1::ListObservationsResponse all;
    for (const Observation& o : observations) *all.add_observations() = o;
    context.out << ToJson(all) << "\n";
    return kExitOk;
  }
  if (context.output == OutputFormat::kCsv) {
    PrintObservationsCsv(context, observations);
    return kExitOk;
  }
  if (observations.empty()) {
    context.out << "No figures match.\n";
    return kExitOk;
  }
  Table table(std::vector<std::string>(std::begin(kListHeader), std::end(kListHeader)));
  for (const Observation& o : observations) table.AddRow(ObservationRow(o));
  table.Print(context.out);
  return kExitOk;
}

// The one word after 'figures get|delete|history', which take the flags `allowed`.
bool ObservationId(const CommandContext& context, absl::string_view verb,
                   absl::Span<const absl::string_view> allowed, std::string* id, int* exit_code) {
  const std::string command = absl::StrCat("figures ", verb);
  if (!context.FlagsAllowed(allowed, command, exit_code)) return false;
  const auto& words = context.args.positional();
  if (words.size() != 3 || words[2].empty()) {
    *exit_code = context.Usage(absl::StrCat("expected 'lookout ", command, " ID'"), "figures");
    return false;
  }
  *id = words[2];
  return true;
}

int Get(const CommandContext& context) {
  int exit_code = kExitOk;
  stats::v1::GetObservationRequest request;
  if (!ObservationId(context, "get", {}, request.mutable_id(), &exit_code)) return exit_code;
  stats::v1::GetObservationResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->stats()->GetObservation(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  const Observation& o = response.observation();
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(o) << "\n";
    return kExitOk;
  }
  if (context.output == OutputFormat::kCsv) {
    PrintObservationsCsv(context, {o});
    return kExitOk;
  }
  // The list columns (ObservationRow), with the fields a list leaves out between them.
  const std::vector<std::string> row = ObservationRow(o);
  Table table({"FIELD", "VALUE"});
  table.AddRow({"id", row[0]});
  table.AddRow({"metric", row[1]});
  table.AddRow({"value", row[2]});
  table.AddRow({"unit", row[3]});
  table.AddRow({"period", row[4]});
  table.AddRow({"period_kind", absl::AsciiStrToLower(ShortEnumName(
                                   stats::v1::PeriodKind_descriptor(), o.period_kind()))});
  table.AddRow({"country_code", row[5]});
  if (!o.admin1().empty()) table.AddRow({"admin1", o.admin1()});
  if (!o.origin_country_code().empty()) table.AddRow({"origin", o.origin_country_code()});
  if (!o.destination().empty()) table.AddRow({"destination", o.destination()});
  table.AddRow({"source", row[6]});
  if (!o.source().url().empty()) table.AddRow({"source_url", o.source().url()});
  if (!o.source().published_date().empty()) {
    table.AddRow({"source_date", o.source().published_date()});
  }
  if (!o.actor_ids().empty()) table.AddRow({"actor_ids", absl::StrJoin(o.actor_ids(), ", ")});
  if (!o.event_ids().empty()) table.AddRow({"event_ids", absl::StrJoin(o.event_ids(), ", ")});
  if (!o.notes().empty()) table.AddRow({"notes", o.notes()});
  if (o.has_create_time()) {
    table.AddRow({"create_time", google::protobuf::util::TimeUtil::ToString(o.create_time())});
  }
  table.Print(context.out);
  return kExitOk;
}

// Needs an EDITOR or ADMIN key at the gateway.
int Delete(const CommandContext& context) {
  int exit_code = kExitOk;
  stats::v1::DeleteObservationRequest request;
  if (!ObservationId(context, "delete", {"reason"}, request.mutable_id(), &exit_code)) {
    return exit_code;
  }
  request.set_reason(context.args.GetOr("reason", ""));
  stats::v1::DeleteObservationResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->stats()->DeleteObservation(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    // The answer is empty: say which figure went.
    context.out << ToJson(request) << "\n";
  } else {
    context.out << "deleted " << request.id() << "\n";
  }
  return kExitOk;
}

// lookout figures history ID: who recorded and deleted the figure, when, why, and which fields.
int History(const CommandContext& context) {
  int exit_code = kExitOk;
  stats::v1::ListObservationRevisionsRequest request;
  if (!ObservationId(context, "history", {"limit"}, request.mutable_id(), &exit_code)) {
    return exit_code;
  }
  int64_t limit = 0;
  if (context.args.Has("limit") &&
      (!absl::SimpleAtoi(context.args.GetOr("limit", ""), &limit) || limit < 0)) {
    return context.Usage("--limit must be a whole number (0 for all)", "figures");
  }
  stats::v1::ListObservationRevisionsResponse all;
  grpc::Status status = FetchRevisions(
      context, request, limit,
      [&](grpc::ClientContext* call, const auto& page_request, auto* response) {
        return context.client->stats()->ListObservationRevisions(call, page_request, response);
      },
      &all);
  if (!status.ok()) return context.FailRpc(status);
  PrintRevisions(context, all);
  return kExitOk;
}

int Summarize(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"metric", "country", "from", "to"}, "figures summarize", &exit_code)) {
    return exit_code;
  }
  stats::v1::SummarizeMetricRequest request;
  auto metric = ParseEnum<stats::v1::Metric>(stats::v1::Metric_descriptor(), "metric",
                                             context.args.GetOr("metric", ""));
  if (!metric.ok()) return context.Usage(metric.status().message(), "figures");
  request.set_metric(*metric);
  request.set_country_code(absl::AsciiStrToUpper(context.args.GetOr("country", "")));
  std::string from, to;
  if (absl::Status s = PeriodFlags(context, &from, &to); !s.ok()) {
    return context.Usage(s.message(), "figures");
  }
  request.mutable_period()->set_start_date(from);
  request.mutable_period()->set_end_date(to);
  stats::v1::SummarizeMetricResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->stats()->SummarizeMetric(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response) << "\n";
    return kExitOk;
  }
  context.out << RenderMetricSummary(response.summary());
  return kExitOk;
}

}  // namespace

int RunFigures(const CommandContext& context) {
  const auto& words = context.args.positional();
  if (words.size() < 2) {
    return context.Usage(
        "expected 'figures add', 'figures list', 'figures get', 'figures delete', "
        "'figures history' or 'figures summarize'",
        "figures");
  }
  if (words[1] == "add") return Add(context);
  if (words[1] == "list") return List(context);
  if (words[1] == "get") return Get(context);
  if (words[1] == "delete") return Delete(context);
  if (words[1] == "history") return History(context);
  if (words[1] == "summarize") return Summarize(context);
  return context.Usage(absl::StrCat("unknown subcommand 'figures ", words[1], "'"), "figures");
}

}  // namespace lookout::cli
