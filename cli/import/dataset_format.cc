#include "cli/import/dataset_format.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace lookout::cli {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

absl::Status Invalid(absl::string_view at, absl::string_view rule) {
  return errors::InvalidField(at, rule);
}

absl::Status ToMessage(absl::string_view at, const Value& value,
                       google::protobuf::Message* message) {
  if (value.kind_case() != Value::kStructValue) return Invalid(at, "must be a JSON object");
  std::string json;
  auto printed = google::protobuf::util::MessageToJsonString(value, &json);
  if (printed.ok()) printed = google::protobuf::util::JsonStringToMessage(json, message);
  if (!printed.ok()) {
    std::string problem(printed.message());
    return Invalid(at, problem.substr(0, problem.find('\n')));
  }
  return absl::OkStatus();
}

const Value* Field(const Struct& object, absl::string_view name) {
  auto it = object.fields().find(std::string(name));
  return it == object.fields().end() ? nullptr : &it->second;
}

absl::StatusOr<std::string> StringField(absl::string_view at, const Struct& object,
                                        absl::string_view name, bool required) {
  const Value* value = Field(object, name);
  if (value == nullptr || value->kind_case() == Value::kNullValue) {
    if (required) return Invalid(absl::StrCat(at, ".", name), "is required");
    return std::string();
  }
  if (value->kind_case() != Value::kStringValue) {
    return Invalid(absl::StrCat(at, ".", name), "must be a string");
  }
  if (required && value->string_value().empty()) {
    return Invalid(absl::StrCat(at, ".", name), "is required");
  }
  return value->string_value();
}

absl::StatusOr<std::vector<const Struct*>> Entries(const Struct& root, absl::string_view name) {
  std::vector<const Struct*> entries;
  const Value* list = Field(root, name);
  if (list == nullptr) return entries;
  if (list->kind_case() != Value::kListValue) return Invalid(name, "must be a JSON array");
  for (int i = 0; i < list->list_value().values_size(); ++i) {
    const Value& entry = list->list_value().values(i);
    if (entry.kind_case() != Value::kStructValue) {
      return Invalid(absl::StrCat(name, "[", i, "]"), "must be a JSON object");
    }
    entries.push_back(&entry.struct_value());
  }
  return entries;
}

absl::Status CheckOnly(absl::string_view at, const Struct& object,
                       std::initializer_list<absl::string_view> allowed) {
  for (const auto& [key, value] : object.fields()) {
    bool known = false;
    for (absl::string_view name : allowed) known = known || key == name;
    if (!known) return Invalid(absl::StrCat(at, ".", key), "is not a known field");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Dataset> ParseDataset(absl::string_view json) {
  Struct root;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), &root);
  if (!parsed.ok()) {
    std::string problem(parsed.message());
    return Invalid("dataset",
                   absl::StrCat("is not a JSON object: ", problem.substr(0, problem.find('\n'))));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckOnly(
      "dataset", root, {"name", "actors", "relationships", "events", "figures", "notes"}));
  Dataset dataset;
  LOOKOUT_ASSIGN_OR_RETURN(dataset.name, StringField("dataset", root, "name", true));

  absl::flat_hash_set<std::string> keys;
  LOOKOUT_ASSIGN_OR_RETURN(auto actors, Entries(root, "actors"));
  for (size_t i = 0; i < actors.size(); ++i) {
    const std::string at = absl::StrCat("actors[", i, "]");
    LOOKOUT_RETURN_IF_ERROR(CheckOnly(at, *actors[i], {"key", "parentKey", "actor"}));
    DatasetActor actor;
    LOOKOUT_ASSIGN_OR_RETURN(actor.key, StringField(at, *actors[i], "key", true));
    LOOKOUT_ASSIGN_OR_RETURN(actor.parent_key, StringField(at, *actors[i], "parentKey", false));
    if (!actor.parent_key.empty() && !keys.contains(actor.parent_key)) {
      return Invalid(absl::StrCat(at, ".parentKey"),
                     absl::StrCat("\"", actor.parent_key, "\" is not an earlier actor's key"));
    }
    const Value* message = Field(*actors[i], "actor");
    if (message == nullptr) return Invalid(absl::StrCat(at, ".actor"), "is required");
    LOOKOUT_RETURN_IF_ERROR(ToMessage(absl::StrCat(at, ".actor"), *message, &actor.actor));
    if (!keys.insert(actor.key).second) {
      return Invalid(absl::StrCat(at, ".key"), absl::StrCat("\"", actor.key, "\" is used twice"));
    }
    dataset.actors.push_back(std::move(actor));
  }
  auto known_key = [&](const std::string& at, const std::string& key) -> absl::Status {
    if (keys.contains(key)) return absl::OkStatus();
    return Invalid(at, absl::StrCat("\"", key, "\" is not an actor's key"));
  };

  LOOKOUT_ASSIGN_OR_RETURN(auto relationships, Entries(root, "relationships"));
  for (size_t i = 0; i < relationships.size(); ++i) {
    const std::string at = absl::StrCat("relationships[", i, "]");
    const Struct& entry = *relationships[i];
    LOOKOUT_RETURN_IF_ERROR(CheckOnly(at, entry, {"subjectKey", "objectKey", "relationship"}));
    DatasetRelationship relationship;
    LOOKOUT_ASSIGN_OR_RETURN(relationship.subject_key, StringField(at, entry, "subjectKey", true));
    LOOKOUT_ASSIGN_OR_RETURN(relationship.object_key, StringField(at, entry, "objectKey", true));
    LOOKOUT_RETURN_IF_ERROR(known_key(at + ".subjectKey", relationship.subject_key));
    LOOKOUT_RETURN_IF_ERROR(known_key(at + ".objectKey", relationship.object_key));
    const Value* message = Field(entry, "relationship");
    if (message == nullptr) return Invalid(at + ".relationship", "is required");
    LOOKOUT_RETURN_IF_ERROR(ToMessage(at + ".relationship", *message, &relationship.relationship));
    dataset.relationships.push_back(std::move(relationship));
  }

  LOOKOUT_ASSIGN_OR_RETURN(auto events, Entries(root, "events"));
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string at = absl::StrCat("events[", i, "]");
    const Struct& entry = *events[i];
    LOOKOUT_RETURN_IF_ERROR(CheckOnly(at, entry, {"participants", "event"}));
    DatasetEvent event;
    const Value* message = Field(entry, "event");
    if (message == nullptr) return Invalid(at + ".event", "is required");
    LOOKOUT_RETURN_IF_ERROR(ToMessage(at + ".event", *message, &event.event));
    if (event.event.external_ids_size() == 0) {
      return Invalid(at + ".event.externalIds",
                     "is required (loading the dataset again updates events by external id)");
    }
    LOOKOUT_ASSIGN_OR_RETURN(auto participants, Entries(entry, "participants"));
    for (size_t p = 0; p < participants.size(); ++p) {
      const std::string pat = absl::StrCat(at, ".participants[", p, "]");
      LOOKOUT_RETURN_IF_ERROR(CheckOnly(pat, *participants[p], {"actorKey", "role"}));
      LOOKOUT_ASSIGN_OR_RETURN(std::string key,
                               StringField(pat, *participants[p], "actorKey", true));
      LOOKOUT_RETURN_IF_ERROR(known_key(pat + ".actorKey", key));
      LOOKOUT_ASSIGN_OR_RETURN(std::string role_name,
                               StringField(pat, *participants[p], "role", true));
      event::v1::ParticipantRole role;
      if (!event::v1::ParticipantRole_Parse(role_name, &role) ||
          role == event::v1::PARTICIPANT_ROLE_UNSPECIFIED) {
        return Invalid(pat + ".role",
                       absl::StrCat("\"", role_name, "\" is not a ParticipantRole name"));
      }
      event.participants.emplace_back(key, role);
    }
    dataset.events.push_back(std::move(event));
  }

  LOOKOUT_ASSIGN_OR_RETURN(auto figures, Entries(root, "figures"));
  for (size_t i = 0; i < figures.size(); ++i) {
    const std::string at = absl::StrCat("figures[", i, "]");
    const Struct& entry = *figures[i];
    LOOKOUT_RETURN_IF_ERROR(CheckOnly(at, entry, {"actorKeys", "observation"}));
    DatasetFigure figure;
    const Value* message = Field(entry, "observation");
    if (message == nullptr) return Invalid(at + ".observation", "is required");
    LOOKOUT_RETURN_IF_ERROR(ToMessage(at + ".observation", *message, &figure.observation));
    const Value* actor_keys = Field(entry, "actorKeys");
    if (actor_keys != nullptr) {
      if (actor_keys->kind_case() != Value::kListValue) {
        return Invalid(at + ".actorKeys", "must be a JSON array of keys");
      }
      for (const Value& key : actor_keys->list_value().values()) {
        if (key.kind_case() != Value::kStringValue) {
          return Invalid(at + ".actorKeys", "must be a JSON array of keys");
        }
        LOOKOUT_RETURN_IF_ERROR(known_key(at + ".actorKeys", key.string_value()));
        figure.actor_keys.push_back(key.string_value());
      }
    }
    dataset.figures.push_back(std::move(figure));
  }
  return dataset;
}

}  // namespace lookout::cli
