// lookout actors list [--type T] [--country C] [--query Q] [--limit N] | actors get ID |
//                actors resolve NAME... [--create-missing --type T --country C --reason TEXT] |
//                actors history ID [--limit N]
#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/app/commands.h"
#include "cli/app/enum_names.h"
#include "cli/app/exit_codes.h"
#include "cli/app/revision_table.h"

namespace lookout::cli {
namespace {

using ::lookout::actor::v1::Actor;

std::vector<std::string> ActorRow(const Actor& actor) {
  return {actor.id(), actor.name(), ShortEnumName(actor::v1::ActorType_descriptor(), actor.type()),
          actor.country_code(), Ellipsize(absl::StrJoin(actor.aliases(), "; "), 40)};
}

void PrintActors(const CommandContext& context, const std::vector<Actor>& actors) {
  if (context.output == OutputFormat::kCsv) {
    context.out << CsvLine({"id", "name", "type", "country_code", "aliases"}) << "\n";
    for (const Actor& actor : actors) {
      context.out << CsvLine({actor.id(), actor.name(),
                              ShortEnumName(actor::v1::ActorType_descriptor(), actor.type()),
                              actor.country_code(), absl::StrJoin(actor.aliases(), "; ")})
                  << "\n";
    }
    return;
  }
  Table table({"ID", "NAME", "TYPE", "COUNTRY", "ALIASES"});
  for (const Actor& actor : actors) table.AddRow(ActorRow(actor));
  table.Print(context.out);
}

absl::StatusOr<actor::v1::ActorType> TypeFlag(const CommandContext& context) {
  if (!context.args.Has("type")) return actor::v1::ACTOR_TYPE_UNSPECIFIED;
  return ParseEnum<actor::v1::ActorType>(actor::v1::ActorType_descriptor(), "type",
                                         context.args.GetOr("type", ""));
}

int List(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"type", "country", "query", "limit"}, "actors list", &exit_code)) {
    return exit_code;
  }
  absl::StatusOr<actor::v1::ActorType> type = TypeFlag(context);
  if (!type.ok()) return context.Usage(type.status().message(), "actors");
  int64_t limit = 50;
  if (context.args.Has("limit") &&
      (!absl::SimpleAtoi(context.args.GetOr("limit", ""), &limit) || limit < 0)) {
    return context.Usage("--limit must be a whole number (0 for all)", "actors");
  }
  actor::v1::ListActorsRequest request;
  request.set_type(*type);
  request.set_country_code(absl::AsciiStrToUpper(context.args.GetOr("country", "")));
  request.set_query(context.args.GetOr("query", ""));
  std::vector<Actor> actors;
  int64_t total = 0;
  for (;;) {
    request.set_page_size(
        static_cast<int32_t>(limit == 0 ? 1000 : std::min<int64_t>(1000, limit - actors.size())));
    actor::v1::ListActorsResponse response;
    grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
      return context.client->actors()->ListActors(call, request, &response);
    });
    if (!status.ok()) return context.FailRpc(status);
    total = response.total_size();
    for (const Actor& actor : response.actors()) actors.push_back(actor);
    if (response.next_page_token().empty() ||
        (limit > 0 && static_cast<int64_t>(actors.size()) >= limit)) {
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  if (context.output == OutputFormat::kJson) {
    actor::v1::ListActorsResponse all;
    for (const Actor& actor : actors) *all.add_actors() = actor;
    all.set_total_size(total);
    context.out << ToJson(all) << "\n";
    return kExitOk;
  }
  if (actors.empty() && context.output == OutputFormat::kTable) {
    context.out << "No actors match.\n";
    return kExitOk;
  }
  PrintActors(context, actors);
  if (context.output == OutputFormat::kTable && static_cast<int64_t>(actors.size()) < total) {
    context.out << "(" << actors.size() << " of " << Thousands(total)
                << " actors; --limit 0 lists all)\n";
  }
  return kExitOk;
}

int Get(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({}, "actors get", &exit_code)) return exit_code;
  const auto& words = context.args.positional();
  if (words.size() != 3) return context.Usage("expected 'lookout actors get ACTOR_ID'", "actors");
  actor::v1::GetActorRequest request;
  request.set_id(words[2]);
  actor::v1::GetActorResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->actors()->GetActor(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response.actor()) << "\n";
    return kExitOk;
  }
  if (context.output == OutputFormat::kCsv) {
    PrintActors(context, {response.actor()});
    return kExitOk;
  }
  const Actor& actor = response.actor();
  Table table({"FIELD", "VALUE"});
  table.AddRow({"id", actor.id()});
  table.AddRow({"name", actor.name()});
  table.AddRow({"type", ShortEnumName(actor::v1::ActorType_descriptor(), actor.type())});
  if (!actor.country_code().empty()) table.AddRow({"country_code", actor.country_code()});
  if (!actor.aliases().empty()) table.AddRow({"aliases", absl::StrJoin(actor.aliases(), "; ")});
  if (!actor.parent_id().empty()) table.AddRow({"parent_id", actor.parent_id()});
  if (!actor.description().empty()) table.AddRow({"description", actor.description()});
  for (const auto& id : actor.external_ids()) {
    table.AddRow({"external_id", absl::StrCat(id.scheme(), ":", id.value())});
  }
  table.Print(context.out);
  return kExitOk;
}

int Resolve(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"create-missing", "type", "country", "reason"}, "actors resolve",
                            &exit_code)) {
    return exit_code;
  }
  const auto& words = context.args.positional();
  if (words.size() < 3) return context.Usage("expected 'lookout actors resolve NAME...'", "actors");
  absl::StatusOr<actor::v1::ActorType> type = TypeFlag(context);
  if (!type.ok()) return context.Usage(type.status().message(), "actors");
  actor::v1::ResolveActorsRequest request;
  for (size_t i = 2; i < words.size(); ++i) request.add_names(words[i]);
  request.set_create_missing(context.args.Flag("create-missing"));
  request.set_default_type(*type == actor::v1::ACTOR_TYPE_UNSPECIFIED && request.create_missing()
                               ? actor::v1::ACTOR_TYPE_OTHER
                               : *type);
  request.set_default_country_code(absl::AsciiStrToUpper(context.args.GetOr("country", "")));
  request.set_reason(context.args.GetOr("reason", ""));
  actor::v1::ResolveActorsResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->actors()->ResolveActors(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(response) << "\n";
    return kExitOk;
  }
  bool all_found = true;
  Table table({"NAME", "ACTOR_ID", "MATCH"});
  for (const auto& resolution : response.resolutions()) {
    all_found = all_found && !resolution.actor_id().empty();
    table.AddRow({resolution.name(), resolution.actor_id(),
                  ShortEnumName(actor::v1::ResolutionMatch_descriptor(), resolution.match())});
  }
  if (context.output == OutputFormat::kCsv) {
    context.out << CsvLine({"name", "actor_id", "match"}) << "\n";
    for (const auto& r : response.resolutions()) {
      context.out << CsvLine({r.name(), r.actor_id(),
                              ShortEnumName(actor::v1::ResolutionMatch_descriptor(), r.match())})
                  << "\n";
    }
  } else {
    table.Print(context.out);
  }
  // Some names matched nothing: a partial answer.
  return all_found ? kExitOk : kExitPartial;
}

std::string ChangeTypeWord(actor::v1::ChangeType type) {
  switch (type) {
    case actor::v1::CHANGE_TYPE_CREATED:
      return "created";
    case actor::v1::CHANGE_TYPE_UPDATED:
      return "updated";
    case actor::v1::CHANGE_TYPE_DELETED:
      return "deleted";
    default:
      return "?";
  }
}

// What a revision changed: the actor itself, or one of its relationships (named by its type and
// the actor on the other side).
std::string RevisionSubject(const actor::v1::ActorRevision& revision, const std::string& id) {
  if (!revision.has_relationship()) return "actor";
  const actor::v1::Relationship& r = revision.relationship();
  const std::string type = ShortEnumName(actor::v1::RelationshipType_descriptor(), r.type());
  if (r.subject_id() == id) return absl::StrCat("relationship ", type, " -> ", r.object_id());
  return absl::StrCat("relationship ", r.subject_id(), " ", type, " ->");
}

// lookout actors history ID: who changed the actor and its relationships, when, why, and which
// fields.
int History(const CommandContext& context) {
  int exit_code = kExitOk;
  if (!context.FlagsAllowed({"limit"}, "actors history", &exit_code)) return exit_code;
  const auto& words = context.args.positional();
  if (words.size() != 3) {
    return context.Usage("expected 'lookout actors history ACTOR_ID'", "actors");
  }
  int64_t limit = 0;
  if (context.args.Has("limit") &&
      (!absl::SimpleAtoi(context.args.GetOr("limit", ""), &limit) || limit < 0)) {
    return context.Usage("--limit must be a whole number (0 for all)", "actors");
  }
  actor::v1::ListActorRevisionsRequest request;
  request.set_id(words[2]);
  actor::v1::ListActorRevisionsResponse all;
  grpc::Status status = FetchRevisions(
      context, request, limit,
      [&](grpc::ClientContext* call, const auto& page_request, auto* response) {
        return context.client->actors()->ListActorRevisions(call, page_request, response);
      },
      &all);
  if (!status.ok()) return context.FailRpc(status);
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(all) << "\n";
    return kExitOk;
  }
  const auto& revisions = all.revisions();
  const std::vector<std::string> header = {"SEQUENCE", "WHEN",   "WHO", "CHANGE",
                                           "OF",       "FIELDS", "WHY"};
  const std::string& id = words[2];
  auto row = [&id](const actor::v1::ActorRevision& revision) {
    const auto& p = revision.provenance();
    std::string when;
    if (p.has_time()) {
      when = absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(p.time().seconds()),
                              absl::UTCTimeZone());
    }
    return std::vector<std::string>{absl::StrCat(revision.sequence()),
                                    when,
                                    p.principal(),
                                    ChangeTypeWord(revision.type()),
                                    RevisionSubject(revision, id),
                                    absl::StrJoin(revision.changed_paths(), ","),
                                    p.reason()};
  };
  if (context.output == OutputFormat::kCsv) {
    context.out << CsvLine(header) << "\n";
    for (const auto& revision : revisions) context.out << CsvLine(row(revision)) << "\n";
    return kExitOk;
  }
  if (revisions.empty()) {
    context.out << "No recorded changes (the actor predates the change log).\n";
    return kExitOk;
  }
  Table table(header);
  table.AlignRight({0});
  for (const auto& revision : revisions) {
    std::vector<std::string> cells = row(revision);
    cells[4] = Ellipsize(cells[4], 50);
    cells[5] = Ellipsize(cells[5], 40);
    cells[6] = Ellipsize(cells[6], 60);
    table.AddRow(cells);
  }
  table.Print(context.out);
  return kExitOk;
}

}  // namespace

int RunActors(const CommandContext& context) {
  const auto& words = context.args.positional();
  if (words.size() < 2) {
    return context.Usage(
        "expected 'actors list', 'actors get', 'actors resolve' or 'actors history'", "actors");
  }
  if (words[1] == "list") return List(context);
  if (words[1] == "get") return Get(context);
  if (words[1] == "resolve") return Resolve(context);
  if (words[1] == "history") return History(context);
  return context.Usage(absl::StrCat("unknown subcommand 'actors ", words[1], "'"), "actors");
}

}  // namespace lookout::cli
