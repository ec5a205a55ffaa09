// lookout report COUNTRY|SEA [--from D] [--to D] [--recent N] [--width N]
// lookout whoami
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/app/commands.h"
#include "cli/app/enum_names.h"
#include "cli/app/exit_codes.h"
#include "cli/app/report_renderer.h"
#include "common/maritime_areas.h"
#include "common/validation.h"

namespace lookout::cli {

int RunReport(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"from", "to", "recent", "width"}, "report", &exit_code)) {
    return exit_code;
  }
  const auto& words = context.args.positional();
  if (words.size() != 2) {
    return context.Usage("expected 'lookout report COUNTRY|SEA --from YYYY-MM-DD --to YYYY-MM-DD'",
                         "report");
  }
  gateway::v1::GetSituationReportRequest request;
  // A country code, or a sea Lookout knows by name: a basin ("Red Sea") or a body of water
  // ("Caribbean Sea"), in any letter case. The gateway takes other bodies of water too.
  const std::string country = absl::AsciiStrToUpper(words[1]);
  if (validation::IsCountryCode(country)) {
    request.set_country_code(country);
  } else if (LookUpNamedWater(words[1]).has_value()) {
    request.set_maritime_area(words[1]);
  } else {
    return context.Usage(
        absl::StrCat("\"", words[1],
                     "\" is not an ISO 3166-1 alpha-3 country code (e.g. HTI), nor a sea Lookout "
                     "knows (a basin such as \"Red Sea\", or a body of water such as \"Caribbean "
                     "Sea\")"),
        "report");
  }
  for (const char* flag : {"from", "to"}) {
    const std::string date = context.args.GetOr(flag, "");
    if (!date.empty() && !validation::ParseDate(date).ok()) {
      return context.Usage(
          absl::StrCat("--", flag, " must be a date YYYY-MM-DD, got \"", date, "\""), "report");
    }
  }
  request.mutable_period()->set_start_date(context.args.GetOr("from", ""));
  request.mutable_period()->set_end_date(context.args.GetOr("to", ""));
  int recent = 10, width = 100;
  if (context.args.Has("recent") && (!absl::SimpleAtoi(context.args.GetOr("recent", ""), &recent) ||
                                     recent < 1 || recent > 100)) {
    return context.Usage("--recent must be a number from 1 to 100", "report");
  }
  if (context.args.Has("width") &&
      (!absl::SimpleAtoi(context.args.GetOr("width", ""), &width) || width < 40)) {
    return context.Usage("--width must be a number of columns >= 40", "report");
  }
  request.set_recent_events(recent);
  gateway::v1::GetSituationReportResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->gateway()->GetSituationReport(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response) << "\n";
    return kExitOk;
  }
  ReportStyle style;
  style.width = width;
  context.out << RenderSituationReport(response, style);
  return kExitOk;
}

int RunWhoAmI(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({}, "whoami", &exit_code)) return exit_code;
  gateway::v1::WhoAmIResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->gateway()->WhoAmI(call, gateway::v1::WhoAmIRequest(), &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response) << "\n";
  } else {
    context.out << response.principal() << " ("
                << ShortEnumName(gateway::v1::Role_descriptor(), response.role()) << ")\n";
  }
  return kExitOk;
}

}  // namespace lookout::cli
