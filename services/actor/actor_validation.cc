#include "services/actor/actor_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/change_history.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "services/actor/name_normalizer.h"

namespace lookout::actor {
namespace {

using ::lookout::validation::CheckCountryCode;
using ::lookout::validation::CheckDate;
using ::lookout::validation::CheckEnum;
using ::lookout::validation::CheckText;

constexpr const char* kMutableFields[] = {"name",      "aliases",     "type",        "country_code",
                                          "parent_id", "description", "external_ids"};
constexpr const char* kOutputOnlyFields[] = {"id", "create_time", "update_time", "etag"};

absl::Status CheckId(absl::string_view field, absl::string_view id) {
  return CheckText(field, id, validation::kMaxIdLength, /*required=*/true);
}

// A name or alias: required, bounded, and not made only of characters the matching key drops
// (a name of zero-width spaces would match nothing and could never be resolved).
absl::Status CheckName(absl::string_view field, absl::string_view name) {
  LOOKOUT_RETURN_IF_ERROR(CheckText(field, name, validation::kMaxNameLength, true));
  if (NormalizeName(name).empty()) {
    return errors::InvalidField(field, "must contain a visible character");
  }
  return absl::OkStatus();
}

// One mutable field of an actor, named by its update_mask path.
absl::Status CheckActorField(const v1::Actor& actor, absl::string_view path) {
  if (path == "name") return CheckName("actor.name", actor.name());
  if (path == "aliases") {
    if (static_cast<size_t>(actor.aliases_size()) > validation::kMaxRepeated) {
      return errors::InvalidField("actor.aliases",
                                  absl::StrCat("must have at most ", validation::kMaxRepeated,
                                               " entries, got ", actor.aliases_size()));
    }
    for (int i = 0; i < actor.aliases_size(); ++i) {
      LOOKOUT_RETURN_IF_ERROR(CheckName(absl::StrCat("actor.aliases[", i, "]"), actor.aliases(i)));
    }
    return absl::OkStatus();
  }
  if (path == "type") {
    return CheckEnum("actor.type", v1::ActorType_IsValid(actor.type()), actor.type(),
                     /*allow_unspecified=*/false);
  }
  if (path == "country_code")
    return CheckCountryCode("actor.country_code", actor.country_code(),
                            /*required=*/false);
  if (path == "parent_id") {
    if (actor.parent_id().empty()) return absl::OkStatus();
    LOOKOUT_RETURN_IF_ERROR(CheckId("actor.parent_id", actor.parent_id()));
    if (actor.parent_id() == actor.id()) {
      return errors::InvalidField("actor.parent_id", "must not be the actor itself");
    }
    return absl::OkStatus();
  }
  if (path == "description") {
    return CheckText("actor.description", actor.description(), validation::kMaxDescriptionLength,
                     /*required=*/false);
  }
  if (path == "external_ids") {
    if (static_cast<size_t>(actor.external_ids_size()) > kMaxExternalIds) {
      return errors::InvalidField("actor.external_ids",
                                  absl::StrCat("must have at most ", kMaxExternalIds,
                                               " entries, got ", actor.external_ids_size()));
    }
    for (int i = 0; i < actor.external_ids_size(); ++i) {
      LOOKOUT_RETURN_IF_ERROR(validation::CheckExternalId(
          absl::StrCat("actor.external_ids[", i, "]"), actor.external_ids(i)));
    }
    return absl::OkStatus();
  }
  return errors::InvalidField("update_mask", absl::StrCat("unknown field \"", path, "\""));
}

absl::Status CheckUpdateMaskPath(absl::string_view path) {
  if (IsMutableActorField(path)) return absl::OkStatus();
  for (const char* output_only : kOutputOnlyFields) {
    if (path == output_only) {
      return errors::InvalidField(
          "update_mask", absl::StrCat("\"", path, "\" is output only and cannot be updated"));
    }
  }
  return errors::InvalidField("update_mask", absl::StrCat("unknown field \"", path.substr(0, 100),
                                                          "\"; updatable fields are ",
                                                          absl::StrJoin(kMutableFields, ", ")));
}

}  // namespace

bool IsMutableActorField(absl::string_view path) {
  for (const char* field : kMutableFields) {
    if (path == field) return true;
  }
  return false;
}

absl::Status ValidateCreateActorRequest(const v1::CreateActorRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckRequestId(request.request_id()));
  if (!request.has_actor()) return errors::InvalidField("actor", "is required");
  // id, create_time, update_time and etag are output only: ignored here, replaced by the server.
  // Without the client's id, a parent_id can never look like the new actor itself.
  v1::Actor actor = request.actor();
  actor.clear_id();
  for (const char* field : kMutableFields) {
    LOOKOUT_RETURN_IF_ERROR(CheckActorField(actor, field));
  }
  return ValidateChangeReason("reason", request.reason());
}

absl::Status ValidateGetActorRequest(const v1::GetActorRequest& request) {
  return CheckId("id", request.id());
}

absl::Status ValidateBatchGetActorsRequest(const v1::BatchGetActorsRequest& request) {
  if (static_cast<size_t>(request.ids_size()) > kMaxBatchSize) {
    return errors::InvalidField("ids", absl::StrCat("must have at most ", kMaxBatchSize,
                                                    " entries, got ", request.ids_size()));
  }
  for (int i = 0; i < request.ids_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(CheckId(absl::StrCat("ids[", i, "]"), request.ids(i)));
  }
  return absl::OkStatus();
}

absl::Status ValidateListActorsRequest(const v1::ListActorsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(CheckEnum("type", v1::ActorType_IsValid(request.type()), request.type(),
                                    /*allow_unspecified=*/true));
  LOOKOUT_RETURN_IF_ERROR(CheckCountryCode("country_code", request.country_code(), false));
  return CheckText("query", request.query(), validation::kMaxNameLength, /*required=*/false);
}

absl::Status ValidateUpdateActorRequest(const v1::UpdateActorRequest& request) {
  if (!request.has_actor()) return errors::InvalidField("actor", "is required");
  LOOKOUT_RETURN_IF_ERROR(CheckId("actor.id", request.actor().id()));
  if (request.update_mask().paths_size() == 0) {
    return errors::InvalidField("update_mask", "must name at least one field");
  }
  for (const std::string& path : request.update_mask().paths()) {
    LOOKOUT_RETURN_IF_ERROR(CheckUpdateMaskPath(path));
  }
  for (const std::string& path : request.update_mask().paths()) {
    LOOKOUT_RETURN_IF_ERROR(CheckActorField(request.actor(), path));
  }
  return ValidateChangeReason("reason", request.reason());
}

absl::Status ValidateDeleteActorRequest(const v1::DeleteActorRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(CheckId("id", request.id()));
  return ValidateChangeReason("reason", request.reason());
}

absl::Status ValidateResolveActorsRequest(const v1::ResolveActorsRequest& request) {
  if (static_cast<size_t>(request.names_size()) > kMaxBatchSize) {
    return errors::InvalidField("names", absl::StrCat("must have at most ", kMaxBatchSize,
                                                      " entries, got ", request.names_size()));
  }
  // One bound for both lists: it is what one call reads and writes, however the names come.
  const size_t total = static_cast<size_t>(request.names_size()) + request.actors_size();
  if (total > kMaxBatchSize) {
    return errors::InvalidField(
        "actors", absl::StrCat("names and actors together must have at most ", kMaxBatchSize,
                               " entries, got ", total));
  }
  for (int i = 0; i < request.names_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(CheckName(absl::StrCat("names[", i, "]"), request.names(i)));
  }
  for (int i = 0; i < request.actors_size(); ++i) {
    const v1::ActorToResolve& actor = request.actors(i);
    const std::string field = absl::StrCat("actors[", i, "]");
    LOOKOUT_RETURN_IF_ERROR(CheckName(absl::StrCat(field, ".name"), actor.name()));
    // UNSPECIFIED takes default_type.
    LOOKOUT_RETURN_IF_ERROR(CheckEnum(absl::StrCat(field, ".type"),
                                      v1::ActorType_IsValid(actor.type()), actor.type(),
                                      /*allow_unspecified=*/true));
    LOOKOUT_RETURN_IF_ERROR(
        CheckCountryCode(absl::StrCat(field, ".country_code"), actor.country_code(), false));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckEnum("default_type", v1::ActorType_IsValid(request.default_type()),
                                    request.default_type(), /*allow_unspecified=*/true));
  LOOKOUT_RETURN_IF_ERROR(
      CheckCountryCode("default_country_code", request.default_country_code(), false));
  return ValidateChangeReason("reason", request.reason());
}

absl::Status ValidateCreateRelationshipRequest(const v1::CreateRelationshipRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckRequestId(request.request_id()));
  if (!request.has_relationship()) return errors::InvalidField("relationship", "is required");
  const v1::Relationship& relationship = request.relationship();
  LOOKOUT_RETURN_IF_ERROR(CheckId("relationship.subject_id", relationship.subject_id()));
  LOOKOUT_RETURN_IF_ERROR(CheckId("relationship.object_id", relationship.object_id()));
  if (relationship.subject_id() == relationship.object_id()) {
    return errors::InvalidField("relationship.object_id", "must differ from subject_id");
  }
  LOOKOUT_RETURN_IF_ERROR(CheckEnum("relationship.type",
                                    v1::RelationshipType_IsValid(relationship.type()),
                                    relationship.type(), /*allow_unspecified=*/false));
  LOOKOUT_RETURN_IF_ERROR(CheckDate("relationship.start_date", relationship.start_date(), false));
  LOOKOUT_RETURN_IF_ERROR(CheckDate("relationship.end_date", relationship.end_date(), false));
  // Both are YYYY-MM-DD here, so text order is date order.
  if (!relationship.start_date().empty() && !relationship.end_date().empty() &&
      relationship.start_date() > relationship.end_date()) {
    return errors::InvalidField("relationship.end_date", "must not be before start_date");
  }
  // The source is optional; when given it must be a proper citation.
  if (relationship.has_source()) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckSource("relationship.source", relationship.source()));
  }
  return ValidateChangeReason("reason", request.reason());
}

absl::Status ValidateListRelationshipsRequest(const v1::ListRelationshipsRequest& request) {
  if (!request.actor_id().empty()) {
    LOOKOUT_RETURN_IF_ERROR(CheckId("actor_id", request.actor_id()));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckEnum("type", v1::RelationshipType_IsValid(request.type()),
                                    request.type(), /*allow_unspecified=*/true));
  return CheckDate("as_of_date", request.as_of_date(), /*required=*/false);
}

absl::Status ValidateDeleteRelationshipRequest(const v1::DeleteRelationshipRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(CheckId("id", request.id()));
  return ValidateChangeReason("reason", request.reason());
}

absl::Status ValidateListActorRevisionsRequest(const v1::ListActorRevisionsRequest& request) {
  return CheckId("id", request.id());
}

}  // namespace lookout::actor
