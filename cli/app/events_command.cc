// lookout events list [filters] [--limit N] [--order-by ...] [--as-of SEQ]
//   | events get ID [--as-of SEQ|TIME] | events history ID [--limit N]
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/app/actor_directory.h"
#include "cli/app/actor_lookup.h"
#include "cli/app/commands.h"
#include "cli/app/enum_names.h"
#include "cli/app/event_csv.h"
#include "cli/app/exit_codes.h"
#include "cli/app/filter_flags.h"
#include "cli/app/report_renderer.h"
#include "cli/app/revision_table.h"

namespace lookout::cli {
namespace {

using ::lookout::event::v1::Event;

bool ParseLimit(const CommandContext& context, int64_t fallback, int64_t* limit) {
  *limit = fallback;
  if (!context.args.Has("limit")) return true;
  return absl::SimpleAtoi(context.args.GetOr("limit", ""), limit) && *limit >= 0;
}

std::string Killed(const Event& event) {
  for (const auto& casualty : event.casualties()) {
    if (casualty.kind() == event::v1::CASUALTY_KIND_KILLED) return CountText(casualty.count());
  }
  return "";
}

void PrintEventsTable(const CommandContext& context, const std::vector<Event>& events,
                      const ActorDirectory& actors) {
  Table table({"ID", "DATE", "TYPE", "WHERE", "KILLED", "ACTORS"});
  table.AlignRight({4});
  for (const Event& event : events) {
    std::string type = ShortEnumName(event::v1::EventType_descriptor(), event.event_type());
    if (!event.sub_event_type().empty()) absl::StrAppend(&type, " / ", event.sub_event_type());
    std::string where = AreaName(event.location());
    if (!event.location().place().empty() && event.location().place() != where) {
      where = event.location().place() + ", " + where;
    }
    std::vector<std::string> names;
    for (const auto& participant : event.participants()) {
      const auto* actor = actors.Find(participant.actor_id());
      names.push_back(actor != nullptr ? actor->name() : participant.actor_id());
    }
    table.AddRow({event.id(), event.event_date(), Ellipsize(type, 48), Ellipsize(where, 30),
                  Killed(event), Ellipsize(absl::StrJoin(names, "; "), 50)});
  }
  table.Print(context.out);
}

int List(const CommandContext& context) {
  int exit_code = kExitOk;
  const auto allowed = WithFlags(FilterFlagNames(), {"limit", "order-by", "as-of"});
  if (!context.FlagsAllowed(allowed, "events list", &exit_code)) return exit_code;
  int64_t limit = 0;
  if (!ParseLimit(context, 20, &limit)) {
    return context.Usage("--limit must be a whole number (0 for all)", "events");
  }
  event::v1::ListEventsRequest request;
  if (!SetAsOf(context.args, &request)) return context.Usage(kAsOfUsage, "events");
  absl::StatusOr<event::v1::EventFilter> filter = FilterFromArgs(context.args);
  if (!filter.ok()) return context.Usage(filter.status().message(), "events");
  if (int code = ResolveActorFlag(context, &*filter); code != kExitOk) return code;

  *request.mutable_filter() = *filter;
  request.set_order_by(context.args.GetOr("order-by", ""));
  std::vector<Event> events;
  int64_t total = 0;
  for (;;) {
    const int64_t wanted = limit == 0 ? 1000 : std::min<int64_t>(1000, limit - events.size());
    request.set_page_size(static_cast<int32_t>(wanted));
    event::v1::ListEventsResponse response;
    grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
      return context.client->events()->ListEvents(call, request, &response);
    });
    if (!status.ok()) return context.FailRpc(status);
    total = response.total_size();
    for (const Event& event : response.events()) events.push_back(event);
    if (response.next_page_token().empty() ||
        (limit > 0 && static_cast<int64_t>(events.size()) >= limit)) {
      break;
    }
    request.set_page_token(response.next_page_token());
  }

  if (context.output == OutputFormat::kJson) {
    event::v1::ListEventsResponse all;
    for (const Event& event : events) *all.add_events() = event;
    all.set_total_size(total);
    context.out << ToJson(all) << "\n";
    return kExitOk;
  }
  ActorDirectory actors(context.client);
  std::vector<const Event*> pointers;
  for (const Event& event : events) pointers.push_back(&event);
  absl::Status loaded = actors.Load(pointers);
  if (!loaded.ok()) return context.FailStatus(loaded);
  if (context.output == OutputFormat::kCsv) {
    context.out << CsvLine(EventCsvHeader()) << "\n";
    for (const Event& event : events) context.out << CsvLine(EventCsvRow(event, actors)) << "\n";
    return kExitOk;
  }
  if (events.empty()) {
    context.out << "No events match.\n";
    return kExitOk;
  }
  PrintEventsTable(context, events, actors);
  if (static_cast<int64_t>(events.size()) < total) {
    context.out << "(" << events.size() << " of " << Thousands(total)
                << " events; --limit 0 lists all)\n";
  }
  return kExitOk;
}

int Get(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"as-of"}, "events get", &exit_code)) return exit_code;
  const auto& words = context.args.positional();
  if (words.size() != 3) return context.Usage("expected 'lookout events get EVENT_ID'", "events");
  event::v1::GetEventRequest request;
  request.set_id(words[2]);
  if (!SetAsOf(context.args, &request)) return context.Usage(kAsOfUsage, "events");
  event::v1::GetEventResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->events()->GetEvent(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  const Event& event = response.event();
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(event) << "\n";
    return kExitOk;
  }
  ActorDirectory actors(context.client);
  absl::Status loaded = actors.Load({&event});
  if (!loaded.ok()) return context.FailStatus(loaded);
  const std::vector<std::string> row = EventCsvRow(event, actors);
  if (context.output == OutputFormat::kCsv) {
    context.out << CsvLine(EventCsvHeader()) << "\n" << CsvLine(row) << "\n";
    return kExitOk;
  }
  Table table({"FIELD", "VALUE"});
  for (size_t i = 0; i < row.size(); ++i) {
    if (!row[i].empty()) table.AddRow({EventCsvHeader()[i], row[i]});
  }
  table.Print(context.out);
  return kExitOk;
}

// lookout events history ID: who changed the event, when, why, and which fields.
int History(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"limit"}, "events history", &exit_code)) return exit_code;
  const auto& words = context.args.positional();
  if (words.size() != 3) {
    return context.Usage("expected 'lookout events history EVENT_ID'", "events");
  }
  int64_t limit = 0;
  if (!ParseLimit(context, 0, &limit)) {
    return context.Usage("--limit must be a whole number (0 for all)", "events");
  }
  event::v1::ListEventRevisionsRequest request;
  request.set_id(words[2]);
  event::v1::ListEventRevisionsResponse all;
  grpc::Status status = FetchRevisions(
      context, request, limit,
      [&](grpc::ClientContext* call, const auto& page_request, auto* response) {
        return context.client->events()->ListEventRevisions(call, page_request, response);
      },
      &all);
  if (!status.ok()) return context.FailRpc(status);
  PrintRevisions(context, all);
  return kExitOk;
}

// lookout events compact-history --before DATE|TIME (ADMIN): CompactEventHistory.
int CompactHistory(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"before"}, "events compact-history", &exit_code)) return exit_code;
  if (context.args.positional().size() != 2 || !context.args.Has("before")) {
    return context.Usage("expected 'lookout events compact-history --before DATE|TIME'", "events");
  }
  const std::string value = context.args.GetOr("before", "");
  absl::Time before;
  std::string error;
  // A date means its start: revisions made on that day are all kept.
  if (!absl::ParseTime("%Y-%m-%d", value, absl::UTCTimeZone(), &before, &error) &&
      !absl::ParseTime(absl::RFC3339_full, value, &before, &error)) {
    return context.Usage("--before must be a date YYYY-MM-DD or an RFC 3339 time", "events");
  }
  event::v1::CompactEventHistoryRequest request;
  request.mutable_before_time()->set_seconds(absl::ToUnixSeconds(before));
  event::v1::CompactEventHistoryResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->events()->CompactEventHistory(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response) << "\n";
    return kExitOk;
  }
  context.out << "removed " << response.removed() << " superseded revisions; history is complete "
              << "from change " << response.horizon_sequence() << " on\n";
  return kExitOk;
}

}  // namespace

int RunEvents(const CommandContext& context) {
  const auto& words = context.args.positional();
  if (words.size() < 2) {
    return context.Usage("expected 'events list', 'events get' or 'events history'", "events");
  }
  if (words[1] == "list") return List(context);
  if (words[1] == "get") return Get(context);
  if (words[1] == "history") return History(context);
  if (words[1] == "compact-history") return CompactHistory(context);
  return context.Usage(absl::StrCat("unknown subcommand 'events ", words[1], "'"), "events");
}

}  // namespace lookout::cli
