#include "cli/import/jsonl_format.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "cli/import/text_fields.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace lookout::cli {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::google::protobuf::util::JsonParseOptions;
using ::lookout::actor::v1::Actor;
using ::lookout::event::v1::Event;

// Protobuf's messages say what is wrong but start with the code name: keep the words.
std::string JsonProblem(const google::protobuf::util::Status& status) {
  std::string message(status.message());
  message = message.substr(0, message.find('\n'));  // drop the excerpt and caret that follow
  return TruncateUtf8(message, 300);
}

absl::Status ParseValueInto(absl::string_view field, const Value& value,
                            google::protobuf::Message* message) {
  std::string json;
  auto printed = google::protobuf::util::MessageToJsonString(value, &json);
  if (!printed.ok()) return errors::InvalidField(field, JsonProblem(printed));
  auto parsed = google::protobuf::util::JsonStringToMessage(json, message, JsonParseOptions());
  if (!parsed.ok()) return errors::InvalidField(field, JsonProblem(parsed));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedRow> ParseJsonlLine(absl::string_view line) {
  if (!IsValidUtf8(line)) return errors::InvalidField("line", "is not valid UTF-8");
  Struct object;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(std::string(line), &object, JsonParseOptions());
  if (!parsed.ok()) {
    return errors::InvalidField("line",
                                absl::StrCat("is not a JSON object: ", JsonProblem(parsed)));
  }

  ParsedRow row;
  Event& event = row.event;
  std::vector<Actor> actors;
  auto event_field = object.fields().find("event");
  if (event_field == object.fields().end()) {
    // A bare Event (what grpcurl or buf curl print for one).
    Value whole;
    *whole.mutable_struct_value() = object;
    LOOKOUT_RETURN_IF_ERROR(ParseValueInto("event", whole, &event));
  } else {
    for (const auto& [key, value] : object.fields()) {
      if (key != "event" && key != "actors") {
        return errors::InvalidField(key, "is not a field of a Lookout JSONL line (event, actors)");
      }
    }
    if (event_field->second.kind_case() != Value::kStructValue) {
      return errors::InvalidField("event", "must be a JSON object");
    }
    LOOKOUT_RETURN_IF_ERROR(ParseValueInto("event", event_field->second, &event));
    auto actors_field = object.fields().find("actors");
    if (actors_field != object.fields().end()) {
      if (actors_field->second.kind_case() != Value::kListValue) {
        return errors::InvalidField("actors", "must be a JSON array");
      }
      const auto& list = actors_field->second.list_value().values();
      for (int i = 0; i < list.size(); ++i) {
        const std::string at = absl::StrCat("actors[", i, "]");
        if (list[i].kind_case() == Value::kNullValue) {
          actors.emplace_back();
          continue;
        }
        if (list[i].kind_case() != Value::kStructValue) {
          return errors::InvalidField(at, "must be a JSON object or null");
        }
        LOOKOUT_RETURN_IF_ERROR(ParseValueInto(at, list[i], &actors.emplace_back()));
      }
    }
  }
  if (static_cast<int>(actors.size()) > event.participants_size()) {
    return errors::InvalidField("actors", absl::StrCat("has ", actors.size(), " entries for ",
                                                       event.participants_size(), " participants"));
  }
  for (int i = 0; i < event.participants_size(); ++i) {
    const auto& participant = event.participants(i);
    ActorRef ref;
    ref.role = participant.role();
    if (i < static_cast<int>(actors.size()) && !actors[i].name().empty()) {
      ref.name = actors[i].name();
      ref.type = actors[i].type();
      ref.country_code = actors[i].country_code();
    } else if (!participant.actor_id().empty()) {
      ref.actor_id = participant.actor_id();
    } else {
      return errors::InvalidField(absl::StrCat("event.participants[", i, "]"),
                                  "has neither an actor_id nor a named actor in actors");
    }
    row.actors.push_back(std::move(ref));
  }
  event.clear_participants();

  // Output-only fields are the server's to set; the id lives on as an external id.
  if (!event.id().empty() && event.external_ids_size() == 0) {
    auto* external_id = event.add_external_ids();
    external_id->set_scheme(kLookoutIdScheme);
    external_id->set_value(event.id());
  }
  event.clear_id();
  event.clear_fatalities();
  event.clear_create_time();
  event.clear_update_time();
  event.clear_sequence();
  event.clear_etag();
  return row;
}

std::string FormatJsonlLine(const Event& event, const std::vector<const Actor*>& actors) {
  std::string event_json;
  (void)google::protobuf::util::MessageToJsonString(event, &event_json);
  std::string line = absl::StrCat("{\"event\":", event_json, ",\"actors\":[");
  for (size_t i = 0; i < actors.size(); ++i) {
    if (i > 0) line.push_back(',');
    if (actors[i] == nullptr) {
      line += "null";
      continue;
    }
    Actor brief;
    brief.set_name(actors[i]->name());
    brief.set_type(actors[i]->type());
    brief.set_country_code(actors[i]->country_code());
    std::string actor_json;
    (void)google::protobuf::util::MessageToJsonString(brief, &actor_json);
    line += actor_json;
  }
  line += "]}";
  return line;
}

}  // namespace lookout::cli
