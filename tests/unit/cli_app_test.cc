// The lookout command's pieces that need no server: arguments, flags to filters, enum names,
// output formatting, failure messages and exit statuses, progress lines.
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app/api_client.h"
#include "cli/app/args.h"
#include "cli/app/cli.h"
#include "cli/app/enum_names.h"
#include "cli/app/exit_codes.h"
#include "cli/app/filter_flags.h"
#include "cli/app/output.h"
#include "cli/app/progress.h"
#include "cli/app/rpc_errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "lookout/stats/v1/stats_service.pb.h"

namespace lookout::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Args MustParse(std::vector<std::string> argv) {
  absl::StatusOr<Args> args = Args::Parse(argv);
  EXPECT_TRUE(args.ok()) << args.status();
  return *args;
}

TEST(ArgsTest, SeparatesWordsFromFlagsInAnyOrder) {
  Args args = MustParse({"--addr", "h:1", "events", "list", "--country=HTI,ken", "--country", "USA",
                         "--quiet", "-o", "json", "--", "--not-a-flag"});
  EXPECT_THAT(args.positional(), ElementsAre("events", "list", "--not-a-flag"));
  EXPECT_EQ(args.Get("addr"), "h:1");
  EXPECT_THAT(args.GetList("country"), ElementsAre("HTI", "ken", "USA"));
  EXPECT_TRUE(args.Flag("quiet"));
  EXPECT_FALSE(MustParse({"--quiet=false"}).Flag("quiet"));
  EXPECT_EQ(args.Get("output"), "json");
  EXPECT_FALSE(args.Get("timeout").has_value());
}

TEST(ArgsTest, TlsIsABooleanFlagAndTheTlsFlagsAreGlobal) {
  Args args = MustParse({"--tls", "whoami", "--ca-cert", "ca.pem", "--tls-server-name", "gw"});
  EXPECT_THAT(args.positional(), ElementsAre("whoami"));
  EXPECT_TRUE(args.Flag("tls"));
  EXPECT_FALSE(MustParse({"--tls=false"}).Flag("tls"));
  EXPECT_TRUE(args.CheckAllowed({}, "whoami").ok());
}

TEST(ArgsTest, AValueFlagAtTheEndIsAnError) {
  absl::StatusOr<Args> args = Args::Parse({"events", "list", "--country"});
  ASSERT_FALSE(args.ok());
  EXPECT_EQ(args.status().message(), "the flag --country needs a value");
}

TEST(ArgsTest, UnknownFlagsAreNamed) {
  Args args = MustParse({"events", "list", "--colour", "red", "--api-key", "k"});
  absl::Status status = args.CheckAllowed({"limit"}, "events list");
  EXPECT_EQ(status.message(),
            "unknown flag --colour for 'events list' (see 'lookout help events')");
  EXPECT_TRUE(MustParse({"x", "--api-key", "k"}).CheckAllowed({}, "x").ok());
}

TEST(FilterFlagsTest, BuildsEveryFilterField) {
  Args args = MustParse({"--country",  "hti",           "--admin1",
                         "Ouest",      "--type",        "battles,VIOLENCE-AGAINST-CIVILIANS",
                         "--sub-type", "Armed clash",   "--actor",
                         "act_1",      "--from",        "2024-01-01",
                         "--to",       "2024-01-31",    "--min-fatalities",
                         "2",          "--text",        "kidnapping",
                         "--bbox",     "18,-73,19,-72", "--tag",
                         "a,b"});
  absl::StatusOr<event::v1::EventFilter> filter = FilterFromArgs(args);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_THAT(filter->country_codes(), ElementsAre("HTI"));
  EXPECT_EQ(filter->admin1(), "Ouest");
  EXPECT_THAT(filter->event_types(), ElementsAre(event::v1::EVENT_TYPE_BATTLES,
                                                 event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS));
  EXPECT_THAT(filter->sub_event_types(), ElementsAre("Armed clash"));
  EXPECT_EQ(filter->actor_id(), "act_1");
  EXPECT_EQ(filter->date_range().start_date(), "2024-01-01");
  EXPECT_EQ(filter->date_range().end_date(), "2024-01-31");
  EXPECT_EQ(filter->min_fatalities(), 2);
  EXPECT_EQ(filter->text(), "kidnapping");
  EXPECT_DOUBLE_EQ(filter->bbox().min_longitude(), -73);
  EXPECT_THAT(filter->tags(), ElementsAre("a", "b"));
}

TEST(FilterFlagsTest, RejectsValuesThatCannotBeRight) {
  auto message = [](std::vector<std::string> argv) {
    return std::string(FilterFromArgs(MustParse(argv)).status().message());
  };
  EXPECT_EQ(message({"--country", "Haiti"}),
            "--country: \"Haiti\" is not an ISO 3166-1 alpha-3 code (e.g. HTI)");
  EXPECT_THAT(message({"--type", "skirmish"}),
              HasSubstr("--type: \"skirmish\" is not one of battles,"));
  EXPECT_EQ(message({"--from", "2024-02-30"}),
            "--from: \"2024-02-30\" is not a real calendar date");
  EXPECT_EQ(message({"--from", "2024-02-01", "--to", "2024-01-01"}),
            "--from 2024-02-01 is after --to 2024-01-01");
  EXPECT_EQ(message({"--bbox", "1,2,3"}),
            "--bbox must be min_lat,min_lon,max_lat,max_lon (e.g. 18.0,-73.0,19.0,-72.0)");
  EXPECT_EQ(message({"--min-fatalities", "-1"}), "--min-fatalities must be a whole number >= 0");
}

TEST(EnumNamesTest, ParsesAndPrintsWithoutThePrefix) {
  EXPECT_EQ(*ParseEnumFlag(type::v1::Qualifier_descriptor(), "qualifier", "at-least"),
            type::v1::QUALIFIER_AT_LEAST);
  EXPECT_EQ(*ParseEnumFlag(stats::v1::Metric_descriptor(), "metric", "METRIC_KILLED"),
            stats::v1::METRIC_KILLED);
  EXPECT_FALSE(ParseEnumFlag(stats::v1::Metric_descriptor(), "metric", "unspecified").ok());
  EXPECT_EQ(ShortEnumName(event::v1::EventType_descriptor(), event::v1::EVENT_TYPE_AID), "AID");
  EXPECT_EQ(ShortEnumName(event::v1::EventType_descriptor(), 0), "");
}

TEST(OutputTest, TablesAlignByCharactersNotBytes) {
  Table table({"NAME", "N"});
  table.AlignRight({1});
  table.AddRow({"Gonaïves", "7"});
  table.AddRow({"Cap", "1,000"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "NAME          N\n"
            "Gonaïves      7\n"
            "Cap       1,000\n");
}

TEST(OutputTest, CsvQuotingNumbersAndEllipsis) {
  EXPECT_EQ(CsvLine({"a", "b,c", "say \"hi\"", "two\nlines", ""}),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",");
  EXPECT_EQ(Thousands(105000), "105,000");
  EXPECT_EQ(Thousands(-1234567), "-1,234,567");
  EXPECT_EQ(Thousands(999), "999");
  EXPECT_EQ(Ellipsize("line one\nline two", 12), "line one ...");
  EXPECT_EQ(Ellipsize("short", 12), "short");
}

TEST(RpcErrorsTest, ConnectionFailuresReadAsOneLine) {
  Failure failure = DescribeRpcFailure(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "failed to connect to all addresses; last error: UNKNOWN: "
                   "ipv4:127.0.0.1:1: Failed to connect to remote host: Connection refused"),
      "127.0.0.1:1", absl::Seconds(30));
  EXPECT_EQ(failure.exit_code, kExitServer);
  EXPECT_EQ(failure.message,
            "cannot reach the Lookout server at 127.0.0.1:1 (connection refused); is it "
            "running? Set --addr or LOOKOUT_ADDR");
}

TEST(RpcErrorsTest, ABackendTheGatewayCannotReachIsNotOurConnection) {
  Failure failure = DescribeRpcFailure(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "failed to connect to all addresses; last error: UNKNOWN: "
                   "ipv4:127.0.0.1:50054: Failed to connect to remote host: Connection refused"),
      "127.0.0.1:50051", absl::Seconds(30));
  EXPECT_EQ(failure.exit_code, kExitServer);
  EXPECT_EQ(failure.message,
            "the server at 127.0.0.1:50051 cannot reach one of its services (connection "
            "refused)");
}

TEST(RpcErrorsTest, EachCodeHasItsExitStatusAndWords) {
  auto describe = [](grpc::StatusCode code, const std::string& message) {
    return DescribeRpcFailure(grpc::Status(code, message), "gw:1", absl::Seconds(5));
  };
  Failure bad_key = describe(grpc::StatusCode::UNAUTHENTICATED, "unknown API key");
  EXPECT_EQ(bad_key.exit_code, kExitServer);
  EXPECT_EQ(bad_key.message,
            "the server did not accept the API key (unknown API key); set --api-key or "
            "LOOKOUT_API_KEY");
  EXPECT_EQ(describe(grpc::StatusCode::INVALID_ARGUMENT, "filter.x: bad").exit_code, kExitUsage);
  EXPECT_EQ(describe(grpc::StatusCode::DEADLINE_EXCEEDED, "").message,
            "no answer from gw:1 within 5s (raise --timeout)");
  EXPECT_EQ(describe(grpc::StatusCode::PERMISSION_DENIED, "READER may not import").message,
            "this API key may not do that: READER may not import");
  EXPECT_EQ(describe(grpc::StatusCode::UNAVAILABLE, "actor service is unavailable: down").message,
            "the server is unavailable: actor service is unavailable: down");
  EXPECT_EQ(describe(grpc::StatusCode::INTERNAL, "boom").message,
            "the server failed (internal error): boom");
  EXPECT_EQ(describe(grpc::StatusCode::NOT_FOUND, "event \"x\" not found").exit_code, kExitServer);
}

// The messages are gRPC 1.51's for the real cases (tests/e2e/cli_tls_e2e_test.sh runs them).
TEST(RpcErrorsTest, TlsOnOneSideOnlyNamesTheFlagThatFixesIt) {
  auto unavailable = [](const std::string& last_error) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "failed to connect to all addresses; last error: " + last_error);
  };
  // Plaintext at a TLS port: the server hangs up.
  Failure plain = DescribeRpcFailure(unavailable("UNAVAILABLE: ipv4:127.0.0.1:7443: Socket closed"),
                                     "gw:7443", absl::Seconds(5));
  EXPECT_EQ(plain.exit_code, kExitServer);
  EXPECT_EQ(plain.message,
            "the server at gw:7443 closed the connection; if it serves TLS, use --tls or "
            "--ca-cert FILE (LOOKOUT_TLS, LOOKOUT_CA_CERT)");
  // The same hang-up with TLS on is not a TLS mismatch.
  EXPECT_THAT(DescribeRpcFailure(unavailable("UNAVAILABLE: ipv4:127.0.0.1:7443: Socket closed"),
                                 "gw:7443", absl::Seconds(5), /*tls=*/true)
                  .message,
              ::testing::Not(HasSubstr("--tls")));

  Failure untrusted = DescribeRpcFailure(
      unavailable("UNKNOWN: ipv4:127.0.0.1:7443: Ssl handshake failed: SSL_ERROR_SSL: "
                  "error:0A000086:SSL routines::certificate verify failed"),
      "gw:7443", absl::Seconds(5), true);
  EXPECT_EQ(untrusted.exit_code, kExitServer);
  EXPECT_EQ(untrusted.message,
            "the TLS handshake with gw:7443 failed: its certificate is not trusted; pass the CA "
            "that signed it with --ca-cert FILE or LOOKOUT_CA_CERT");

  Failure name = DescribeRpcFailure(
      unavailable("UNKNOWN: ipv4:127.0.0.1:7443: Peer name 127.0.0.1 is not in peer certificate"),
      "127.0.0.1:7443", absl::Seconds(5), true);
  EXPECT_EQ(name.exit_code, kExitServer);
  EXPECT_EQ(name.message,
            "the TLS handshake with 127.0.0.1:7443 failed: its certificate is not for 127.0.0.1; "
            "set --tls-server-name to a name it carries");

  Failure plaintext_server = DescribeRpcFailure(
      unavailable("UNKNOWN: ipv4:127.0.0.1:7443: Ssl handshake failed: SSL_ERROR_SSL: "
                  "error:0A00010B:SSL routines::wrong version number"),
      "gw:7443", absl::Seconds(5), true);
  EXPECT_EQ(plaintext_server.exit_code, kExitServer);
  EXPECT_EQ(plaintext_server.message,
            "the TLS handshake with gw:7443 failed: the server does not speak TLS (leave out "
            "--tls and --ca-cert, LOOKOUT_TLS and LOOKOUT_CA_CERT)");

  Failure other = DescribeRpcFailure(
      unavailable("UNKNOWN: ipv4:127.0.0.1:7443: Ssl handshake failed: SSL_ERROR_SSL: "
                  "error:0A000410:SSL routines::sslv3 alert handshake failure"),
      "gw:7443", absl::Seconds(5), true);
  EXPECT_EQ(other.message,
            "the TLS handshake with gw:7443 failed: SSL_ERROR_SSL: error:0A000410:SSL "
            "routines::sslv3 alert handshake failure");
}

// google.rpc.Status {code, message, details: [Any {RetryInfo {retry_delay}}]}, as the gateway
// sends with RESOURCE_EXHAUSTED.
std::string Bytes(const google::protobuf::UnknownFieldSet& fields) {
  std::string bytes;
  fields.SerializeToString(&bytes);
  return bytes;
}

std::string RateLimitedDetails(int64_t seconds, int32_t nanos) {
  google::protobuf::Duration delay;
  delay.set_seconds(seconds);
  delay.set_nanos(nanos);
  google::protobuf::UnknownFieldSet retry_info, any, status;
  retry_info.AddLengthDelimited(1, delay.SerializeAsString());
  any.AddLengthDelimited(1, "type.googleapis.com/google.rpc.RetryInfo");
  any.AddLengthDelimited(2, Bytes(retry_info));
  status.AddVarint(1, 8);
  status.AddLengthDelimited(2, "slow down");
  status.AddLengthDelimited(3, Bytes(any));
  return Bytes(status);
}

TEST(ApiClientTest, WaitsAsLongAsTheServersRetryInfoSays) {
  grpc::Status limited(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down",
                       RateLimitedDetails(1, 250000000));
  EXPECT_EQ(ApiClient::RetryDelay(limited, 0), absl::Milliseconds(1250));
  // Without details: exponential back-off from 100 ms.
  grpc::Status bare(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down");
  EXPECT_EQ(ApiClient::RetryDelay(bare, 0), absl::Milliseconds(100));
  EXPECT_EQ(ApiClient::RetryDelay(bare, 3), absl::Milliseconds(800));
  // A silly delay is capped.
  grpc::Status long_wait(grpc::StatusCode::RESOURCE_EXHAUSTED, "", RateLimitedDetails(3600, 0));
  EXPECT_EQ(ApiClient::RetryDelay(long_wait, 0), absl::Seconds(30));
}

TEST(ProgressTest, PlainLinesEveryIntervalWhenNotATerminal) {
  absl::Time now = absl::FromUnixSeconds(1000);
  std::ostringstream err;
  Progress progress(&err, Progress::StyleFor(false, false), "import a.csv", 1000,
                    [&] { return now; });
  progress.Update(10, 100);  // too soon
  now += absl::Seconds(5);
  progress.Update(5000, 500);
  now += absl::Seconds(1);
  progress.Update(6000, 600);  // too soon after the last line
  progress.Finish();
  EXPECT_EQ(err.str(), "lookout: import a.csv: 5,000 rows, 50% (1,000 rows/s)\n");
}

TEST(ProgressTest, ABarOnATerminalAndNothingWhenQuiet) {
  absl::Time now = absl::FromUnixSeconds(1000);
  std::ostringstream bar, quiet;
  Progress shown(&bar, Progress::StyleFor(true, false), "import", 100, [&] { return now; });
  Progress silent(&quiet, Progress::StyleFor(true, true), "import", 100, [&] { return now; });
  now += absl::Seconds(2);
  shown.Update(50, 50);
  silent.Update(50, 50);
  shown.Finish();
  EXPECT_THAT(bar.str(), HasSubstr("\rimport ["));
  EXPECT_THAT(bar.str(), HasSubstr("] 50% 50 rows  25 rows/s"));
  EXPECT_EQ(quiet.str(), "");
}

// The command line without a server: help, usage errors and the missing-file check.
struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun RunLookout(std::vector<std::string> argv,
                  std::map<std::string, std::string> variables = {}) {
  std::ostringstream out, err;
  Environment environment;
  environment.get = [variables](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
  int code = RunCli(argv, out, err, environment);
  return {code, out.str(), err.str()};
}

TEST(CliTest, UsageErrorsExitTwoWithOneClearLine) {
  CliRun none = RunLookout({});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_THAT(none.err, HasSubstr("Usage: lookout"));

  CliRun unknown = RunLookout({"frobnicate"});
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_EQ(unknown.err,
            "lookout: unknown command \"frobnicate\"\nRun 'lookout help' for usage.\n");

  CliRun format = RunLookout({"import", "csv", "x.csv"});
  EXPECT_EQ(format.code, kExitUsage);
  EXPECT_EQ(format.err,
            "lookout: unknown import format \"csv\" (expected acled, ucdp, gdelt or jsonl)\n"
            "Run 'lookout help import' for usage.\n");

  CliRun missing = RunLookout({"import", "acled", "/nonexistent/events.csv"});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_EQ(missing.err,
            "lookout: cannot open /nonexistent/events.csv: No such file or directory\n");

  CliRun timeout = RunLookout({"events", "list", "--timeout", "soon"});
  EXPECT_EQ(timeout.code, kExitUsage);
  EXPECT_EQ(timeout.err, "lookout: --timeout must be a duration such as 30s or 2m, got \"soon\"\n");

  CliRun flag = RunLookout({"report", "HTI", "--form", "2024-01-01"});
  EXPECT_EQ(flag.code, kExitUsage);
  EXPECT_EQ(flag.err,
            "lookout: unknown flag --form for 'report' (see 'lookout help report')\n"
            "Run 'lookout help report' for usage.\n");

  CliRun country = RunLookout({"report", "Haiti"});
  EXPECT_EQ(country.code, kExitUsage);
  EXPECT_THAT(country.err, HasSubstr("\"Haiti\" is not an ISO 3166-1 alpha-3 country code"));
  EXPECT_THAT(country.err, HasSubstr("nor a sea Lookout knows"));

  CliRun basin = RunLookout({"events", "list", "--basin", "Atlantis Ocean"});
  EXPECT_EQ(basin.code, kExitUsage);
  EXPECT_THAT(basin.err, HasSubstr("--basin: \"Atlantis Ocean\" is not a maritime basin"));
}

TEST(CliTest, AnUnreadableCaFileIsAUsageErrorNamingWhereItCameFrom) {
  CliRun missing = RunLookout({"--ca-cert", "/nonexistent/ca.pem", "whoami"});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_EQ(missing.err,
            "lookout: --ca-cert: cannot read /nonexistent/ca.pem: No such file or directory\n");

  CliRun from_env = RunLookout({"whoami"}, {{"LOOKOUT_CA_CERT", "/nonexistent/ca.pem"}});
  EXPECT_EQ(from_env.code, kExitUsage);
  EXPECT_EQ(from_env.err,
            "lookout: LOOKOUT_CA_CERT: cannot read /nonexistent/ca.pem: No such file or "
            "directory\n");

  CliRun not_pem = RunLookout({"--ca-cert", "/proc/self/status", "whoami"});
  EXPECT_EQ(not_pem.code, kExitUsage);
  EXPECT_EQ(not_pem.err,
            "lookout: --ca-cert: /proc/self/status holds no PEM certificate "
            "(-----BEGIN CERTIFICATE-----)\n");

  CliRun bad_switch = RunLookout({"whoami"}, {{"LOOKOUT_TLS", "maybe"}});
  EXPECT_EQ(bad_switch.code, kExitUsage);
  EXPECT_EQ(bad_switch.err, "lookout: LOOKOUT_TLS must be true or false, got \"maybe\"\n");
}

TEST(CliTest, FiguresGetAndDeleteTakeOneId) {
  CliRun get = RunLookout({"figures", "get"});
  EXPECT_EQ(get.code, kExitUsage);
  EXPECT_EQ(get.err,
            "lookout: expected 'lookout figures get ID'\nRun 'lookout help figures' for usage.\n");
  CliRun del = RunLookout({"figures", "delete", "a", "b"});
  EXPECT_EQ(del.code, kExitUsage);
  EXPECT_THAT(del.err, HasSubstr("expected 'lookout figures delete ID'"));
  CliRun flag = RunLookout({"figures", "delete", "obs_1", "--metric", "killed"});
  EXPECT_EQ(flag.code, kExitUsage);
  EXPECT_THAT(flag.err, HasSubstr("unknown flag --metric for 'figures delete'"));
}

TEST(CliTest, FiguresHistoryTakesOneIdAndALimit) {
  CliRun none = RunLookout({"figures", "history"});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_EQ(none.err,
            "lookout: expected 'lookout figures history ID'\nRun 'lookout help figures' for "
            "usage.\n");
  CliRun flag = RunLookout({"figures", "history", "obs_1", "--reason", "x"});
  EXPECT_EQ(flag.code, kExitUsage);
  EXPECT_THAT(flag.err, HasSubstr("unknown flag --reason for 'figures history'"));
  CliRun limit = RunLookout({"figures", "history", "obs_1", "--limit", "ten"});
  EXPECT_EQ(limit.code, kExitUsage);
  EXPECT_THAT(limit.err, HasSubstr("--limit must be a whole number"));
  CliRun get = RunLookout({"figures", "get", "obs_1", "--reason", "x"});
  EXPECT_EQ(get.code, kExitUsage);
  EXPECT_THAT(get.err, HasSubstr("unknown flag --reason for 'figures get'"));
}

TEST(CliTest, HelpGoesToStdoutAndSucceeds) {
  CliRun help = RunLookout({"help", "import"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_THAT(help.out, HasSubstr("Usage: lookout import acled|ucdp|gdelt|jsonl FILE..."));
  CliRun flag = RunLookout({"report", "--help"});
  EXPECT_EQ(flag.code, kExitOk);
  EXPECT_THAT(flag.out, HasSubstr("Usage: lookout report COUNTRY|SEA"));
}

// The source-attribute dimensions (stats Dimension 10-13) by their short names; a name that is
// no dimension stops before any call.
TEST(CliTest, StatsAggregateGroupsBySourceAttributes) {
  EXPECT_EQ(*ParseEnumFlag(stats::v1::Dimension_descriptor(), "by", "gdelt_quad_class"),
            stats::v1::DIMENSION_GDELT_QUAD_CLASS);
  EXPECT_EQ(*ParseEnumFlag(stats::v1::Dimension_descriptor(), "by", "acled_disorder_type"),
            stats::v1::DIMENSION_ACLED_DISORDER_TYPE);
  EXPECT_EQ(*ParseEnumFlag(stats::v1::Dimension_descriptor(), "by", "ACLED_INTERACTION"),
            stats::v1::DIMENSION_ACLED_INTERACTION);
  EXPECT_EQ(*ParseEnumFlag(stats::v1::Dimension_descriptor(), "by", "ucdp_conflict"),
            stats::v1::DIMENSION_UCDP_CONFLICT);
  // Accepted: the run gets as far as the (absent) server.
  CliRun accepted = RunLookout({"--addr", "127.0.0.1:1", "--timeout", "5s", "stats", "aggregate",
                                "--by", "year,ucdp_conflict,acled_interaction"});
  EXPECT_EQ(accepted.code, kExitServer) << accepted.err;
  CliRun unknown = RunLookout({"--addr", "127.0.0.1:1", "stats", "aggregate", "--by", "ucdp_dyad"});
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_THAT(unknown.err, HasSubstr("--by"));
  CliRun help = RunLookout({"help", "stats"});
  EXPECT_THAT(help.out, HasSubstr("gdelt_quad_class, acled_disorder_type, acled_interaction,\n"
                                  "ucdp_conflict"));
}

TEST(CliTest, AnUnreachableServerExitsThree) {
  CliRun run = RunLookout({"--addr", "127.0.0.1:1", "--timeout", "5s", "events", "list"});
  EXPECT_EQ(run.code, kExitServer);
  EXPECT_EQ(run.err,
            "lookout: cannot reach the Lookout server at 127.0.0.1:1 (connection refused); is it "
            "running? Set --addr or LOOKOUT_ADDR\n");
  EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace lookout::cli
