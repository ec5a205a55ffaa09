#include "cli/app/cli.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/app/api_client.h"
#include "cli/app/args.h"
#include "cli/app/command_context.h"
#include "cli/app/commands.h"
#include "cli/app/exit_codes.h"

namespace lookout::cli {
namespace {

constexpr char kUsage[] = R"(lookout: the Lookout command-line client

Usage: lookout [global flags] COMMAND [arguments] [flags]

Commands:
  import acled|ucdp|gdelt|jsonl FILE...   import events (upsert by external id)
  export events --format csv|jsonl|acled|ucdp|gdelt
                                          write every matching event
  events list|get|history|compact-history query events, their past and who changed them
  actors list|get|resolve|history         query and resolve actors, and who changed them
  stats aggregate|trends                  counts by month, type, actor...; period-on-period change
  figures add|list|get|delete|summarize   reported figures (observations)
  report COUNTRY|SEA --from D --to D      the situation report, for the terminal
  load DATASET.json                       actors, relationships, events, figures (idempotent)
  whoami                                  the API key's name and role
  help [COMMAND]                          this text, or a command's

Global flags (environment in brackets):
  --addr HOST:PORT     the gateway [LOOKOUT_ADDR], default 127.0.0.1:50051
  --api-key KEY        sent as "authorization: Bearer KEY" [LOOKOUT_API_KEY]
  --tls                TLS, checked against the system's roots [LOOKOUT_TLS]; --tls=false: off
  --ca-cert FILE       TLS, checked against these PEM roots instead [LOOKOUT_CA_CERT]
  --tls-server-name NAME
                       TLS, expecting a certificate for NAME rather than the address's host
                       [LOOKOUT_TLS_SERVER_NAME]; an https:// address also means TLS
  --output, -o FORMAT  table (default), json or csv
  --timeout DURATION   per call, e.g. 30s or 2m [LOOKOUT_TIMEOUT], default 30s
  --quiet              no progress on stderr
  --event-addr, --actor-addr, --stats-addr HOST:PORT, --internal-token TOKEN
                       call the backend services directly instead of the gateway (development)

Exit status: 0 success, 1 some rows rejected, 2 usage error, 3 server or connection error.
)";

const std::map<std::string, std::string>& CommandHelp() {
  static const auto* help = new std::map<std::string, std::string>{
      {"import", R"(Usage: lookout import acled|ucdp|gdelt|jsonl FILE... [flags]

Reads each FILE ("-" for stdin), resolves actor names (creating missing actors, a thousand
names a call) and streams the events while the file is still being read, updating events that
carry the same external id: importing the same file twice creates nothing new. Rejected rows
are reported as FILE:LINE: reason on stderr, in file order, and the rest are imported; a
summary goes to stdout. Exit status 1 when any row was rejected.

Formats: acled (ACLED CSV export), ucdp (UCDP GED CSV, with or without the HXL row),
gdelt (GDELT 2.0 events export, tab-separated), jsonl (what 'lookout export' writes).

Flags:
  --dry-run           validate on the server, write nothing (actors are not created)
  --reason TEXT       kept with every change the import makes, the actors it creates too
                      ('lookout events history', 'lookout actors history')
  --repair-ranges     UCDP: widen low/high to include best instead of rejecting the row
  --parallel N        ImportEvents streams at once, 1 to 16 (default 4)
  --batch-size N      accepted for old scripts; no effect (names are resolved as rows arrive)
)"},
      {"export", R"(Usage: lookout export events [--format csv|jsonl|acled|ucdp|gdelt] [filters]
       [--out FILE] [--as-of SEQ|TIME]

Pages through every matching event, oldest first, to stdout or FILE. JSONL lines carry the
actors' names, so 'lookout import jsonl' reads them back into any Lookout. acled, ucdp and
gdelt write that system's own columns in its order (ACLED and UCDP CSV with a header, GDELT
tab-separated without one; events at sea in ACLED's maritime levels and as GDELT's ocean
features, none in UCDP): an event imported from it gives its row back, others what a
mapping gives (UCDP leaves out events that are no organised violence).
--as-of SEQ|TIME exports the events as they were then (see 'lookout help events').

Filters (also for events list and stats):
  --country HTI,KEN  --admin1 NAME  --type battles,protests  --sub-type "Armed clash"
  --actor ID|NAME  --from YYYY-MM-DD  --to YYYY-MM-DD  --min-fatalities N
  --text WORDS  --bbox MIN_LAT,MIN_LON,MAX_LAT,MAX_LON  --tag TAG
  --basin "Red Sea"  --water "Caribbean Sea"   (events at sea: maritime basin, body of water)
Source attributes (events list and export; an event of another source never matches):
  GDELT  --min-goldstein N --max-goldstein N  --min-tone N --max-tone N  --quad-class 1,4
         --min-mentions N  --root-event true|false
  ACLED  --disorder-type "Political violence"  --interaction 13,16
  UCDP   --conflict-id 4591  --dyad-id 5201
)"},
      {"events", R"(Usage: lookout events list [filters] [--limit N] [--order-by ORDER]
                          [--as-of SEQ|TIME]
       lookout events get EVENT_ID [--as-of SEQ|TIME]
       lookout events history EVENT_ID [--limit N]

--limit defaults to 20 (0 lists all). --order-by: "event_date desc" (default),
"event_date asc", "fatalities desc". Filters as for 'lookout help export'.
--as-of shows the events as they were then, deleted events included if they were live then:
right after change SEQ of the change log (the history lists each change's sequence), or as of a
time: YYYY-MM-DD (the end of that day, UTC) or RFC 3339 (2024-05-07T12:00:00Z).
history: every change of the event, newest first: who (the API key's name), when, what kind of
change, which fields it changed, and the reason given (--limit 0, the default, lists all).

       lookout events compact-history --before DATE|TIME      (an ADMIN key)
removes the revisions that newer ones made before that date (its start, UTC) or time supersede:
every event's current state stays, and so does every past state from the horizon it prints on.
)"},
      {"actors", R"(Usage: lookout actors list [--type T] [--country C] [--query TEXT] [--limit N]
       lookout actors get ACTOR_ID
       lookout actors resolve NAME... [--create-missing --type T --country C --reason TEXT]
       lookout actors history ACTOR_ID [--limit N]

Names match ignoring case, accents and surrounding spaces, on names and aliases.
'resolve' exits 1 when a name matches nothing; --reason is kept with each actor it creates.
history: every change of the actor and of the relationships it is a side of, newest first: who
(the API key's name), when, what kind of change, of what, which fields it changed, and the
reason given (--limit 0, the default, lists all). Actors created before the change log existed
show their changes from then on.
)"},
      {"stats", R"(Usage: lookout stats aggregate [filters] --by month,event_type [--order-by ORDER]
                                [--limit N] [--fill-gaps]
       lookout stats trends [filters] --end-date D [--window DAYS] [--dimension DIM] [--limit N]

Dimensions: day, week, month, year, country, admin1, event_type, sub_event_type, actor,
maritime_basin, body_of_water, gdelt_quad_class, acled_disorder_type, acled_interaction,
ucdp_conflict. Events at sea have the country "" (never a country's); events without a source
attribute group under "" for it.
Orders: "keys asc" (default), "event_count desc", "fatalities desc".
)"},
      {"figures", R"(Usage: lookout figures add --metric M --value N --from D [--to D] --country C
                           --source NAME [--qualifier at-least|at-most|approximately|exact]
                           [--low N] [--high N] [--unit persons] [--point-in-time]
                           [--origin C] [--destination TEXT] [--source-url URL]
                           [--source-date D] [--notes TEXT] [--request-id ID]
                           [--reason TEXT]
       lookout figures list [--metric M] [--country C] [--from D] [--to D] [--source NAME]
       lookout figures get ID
       lookout figures delete ID [--reason TEXT]  (an EDITOR or ADMIN key)
       lookout figures history ID [--limit N]
       lookout figures summarize --metric M --country C [--from D] [--to D]

--reason is kept with the change (at most 500 bytes, one line). history: every change of the
figure, newest first: who (the API key's name), when, what kind of change, which fields, and
the reason given (--limit 0, the default, lists all); a deleted figure's history stays.

Metrics: killed, injured, kidnapped, missing, casualties_combined, idps, newly_displaced,
returnees, refugees, migrant_encounters, deportations, people_in_need, personnel_deployed,
personnel_pledged, funding_usd.
)"},
      {"report", R"(Usage: lookout report COUNTRY|SEA [--from D] [--to D] [--recent N]
                     [--width COLUMNS]

COUNTRY is an ISO 3166-1 alpha-3 code (HTI); anything else is a maritime area: a basin
("Red Sea", "Atlantic Ocean") or a body of water ("Caribbean Sea"), for events at sea.

The situation report: totals, events by type, a chart of events and fatalities by month,
top actors, recent events, reported figures and warnings. -o json prints the raw answer.
)"},
      {"whoami", "Usage: lookout whoami\n\nThe API key's name and role.\n"},
      {"load", R"(Usage: lookout load DATASET.json [--reason TEXT]

Loads a dataset file: actors (with aliases and parents), relationships between them, events
naming their participants by the actors' keys, and reported figures. Loading the same file
again changes nothing: actors are found by name, relationships and figures are compared with
what is stored, events are updated by their external ids. data/haiti-demo.json is the demo.
--reason is kept with every actor, relationship and event change the load makes
('lookout actors history', 'lookout events history').
)"},
  };
  return *help;
}

std::optional<absl::Duration> ParseTimeout(const std::string& text) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds) && seconds > 0) return absl::Seconds(seconds);
  absl::Duration duration;
  if (absl::ParseDuration(text, &duration) && duration > absl::ZeroDuration()) return duration;
  return std::nullopt;
}

// "1", "true", "yes", "on" or "0", "false", "no", "off", "" (any case).
std::optional<bool> ParseSwitch(const std::string& text) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower.empty() || lower == "0" || lower == "false" || lower == "no" || lower == "off") {
    return false;
  }
  return std::nullopt;
}

// The command-line flag `flag`, else the environment variable `variable`.
std::optional<std::string> FlagOrEnvironment(const Args& args, const Environment& environment,
                                             const char* flag, const char* variable) {
  if (auto value = args.Get(flag)) return value;
  return environment.get(variable);
}

// --tls [LOOKOUT_TLS], --ca-cert FILE [LOOKOUT_CA_CERT], --tls-server-name NAME
// [LOOKOUT_TLS_SERVER_NAME]: a CA file or a server name implies TLS; "--tls=false" on the command
// line turns it off whatever the rest says (an https:// address still means TLS for itself).
// Returns kExitOk, or the exit status of the usage error it printed.
int ConfigureTls(const Args& args, const Environment& environment, ClientConfig* config,
                 std::ostream& err) {
  bool tls = false;
  if (auto value = environment.get("LOOKOUT_TLS")) {
    std::optional<bool> on = ParseSwitch(*value);
    if (!on) {
      err << "lookout: LOOKOUT_TLS must be true or false, got \"" << *value << "\"\n";
      return kExitUsage;
    }
    tls = *on;
  }
  const std::optional<std::string> ca_file =
      FlagOrEnvironment(args, environment, "ca-cert", "LOOKOUT_CA_CERT");
  const char* ca_source = args.Get("ca-cert") ? "--ca-cert" : "LOOKOUT_CA_CERT";
  if (ca_file && !ca_file->empty()) {
    std::ifstream in(*ca_file, std::ios::binary);
    if (!in) {
      err << "lookout: " << ca_source << ": cannot read " << *ca_file << ": "
          << std::strerror(errno) << "\n";
      return kExitUsage;
    }
    std::stringstream pem;
    pem << in.rdbuf();
    config->ca_cert_pem = pem.str();
    if (config->ca_cert_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      err << "lookout: " << ca_source << ": " << *ca_file
          << " holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n";
      return kExitUsage;
    }
  }
  config->tls_server_name =
      FlagOrEnvironment(args, environment, "tls-server-name", "LOOKOUT_TLS_SERVER_NAME")
          .value_or("");
  tls = tls || !config->ca_cert_pem.empty() || !config->tls_server_name.empty();
  config->tls = args.Has("tls") ? args.Flag("tls") : tls;
  return kExitOk;
}

}  // namespace

Environment Environment::FromProcess() {
  Environment environment;
  environment.get = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  environment.stderr_is_terminal = isatty(STDERR_FILENO) == 1;
  return environment;
}

int RunCli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
           const Environment& environment) {
  absl::StatusOr<Args> parsed = Args::Parse(argv);
  if (!parsed.ok()) {
    err << "lookout: " << parsed.status().message() << "\nRun 'lookout help' for usage.\n";
    return kExitUsage;
  }
  const Args& args = *parsed;
  const std::vector<std::string>& words = args.positional();
  const std::string command = words.empty() ? "" : words[0];
  if (command.empty() || command == "help" || args.Flag("help")) {
    std::string topic = command == "help" ? (words.size() > 1 ? words[1] : "") : command;
    auto it = CommandHelp().find(topic);
    const std::string& text = it == CommandHelp().end() ? std::string(kUsage) : it->second;
    // Asked for help: stdout. No command at all: a usage error, on stderr.
    if (command.empty() && !args.Flag("help")) {
      err << text;
      return kExitUsage;
    }
    out << text;
    return kExitOk;
  }

  auto setting = [&](const char* flag, const char* variable, const char* fallback) {
    return FlagOrEnvironment(args, environment, flag, variable).value_or(fallback);
  };
  ClientConfig config;
  config.addr = setting("addr", "LOOKOUT_ADDR", "127.0.0.1:50051");
  config.api_key = setting("api-key", "LOOKOUT_API_KEY", "");
  // Calling the backends directly (development, benchmarks) takes flags only: the services read
  // LOOKOUT_EVENT_ADDR and friends from the environment for their own purposes.
  config.internal_token = args.GetOr("internal-token", "");
  config.event_addr = args.GetOr("event-addr", "");
  config.actor_addr = args.GetOr("actor-addr", "");
  config.stats_addr = args.GetOr("stats-addr", "");
  if (int exit_code = ConfigureTls(args, environment, &config, err); exit_code != kExitOk) {
    return exit_code;
  }
  const std::string timeout_text = setting("timeout", "LOOKOUT_TIMEOUT", "30s");
  std::optional<absl::Duration> timeout = ParseTimeout(timeout_text);
  if (!timeout) {
    err << "lookout: --timeout must be a duration such as 30s or 2m, got \"" << timeout_text
        << "\"\n";
    return kExitUsage;
  }
  config.timeout = *timeout;
  std::optional<OutputFormat> output = ParseOutputFormat(args.GetOr("output", "table"));
  if (!output) {
    err << "lookout: --output must be table, json or csv, got \"" << args.GetOr("output", "")
        << "\"\n";
    return kExitUsage;
  }

  ApiClient client(config);
  CommandContext context{args, &client, out, err};
  context.output = *output;
  context.stderr_is_terminal = environment.stderr_is_terminal;
  context.quiet = args.Flag("quiet");

  static const std::map<std::string, int (*)(const CommandContext&)> kCommands = {
      {"import", RunImport}, {"export", RunExport}, {"events", RunEvents},
      {"actors", RunActors}, {"stats", RunStats},   {"figures", RunFigures},
      {"report", RunReport}, {"whoami", RunWhoAmI}, {"load", RunLoad},
  };
  auto it = kCommands.find(command);
  if (it == kCommands.end()) {
    err << "lookout: unknown command \"" << command << "\"\nRun 'lookout help' for usage.\n";
    return kExitUsage;
  }
  return it->second(context);
}

}  // namespace lookout::cli
