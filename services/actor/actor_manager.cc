#include "services/actor/actor_manager.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "services/actor/actor_validation.h"
#include "services/actor/name_normalizer.h"
#include "services/actor/name_resolution.h"

namespace lookout::actor {
namespace {

// Request ids are remembered per method.
constexpr char kCreateActorMethod[] = "CreateActor";
constexpr char kCreateRelationshipMethod[] = "CreateRelationship";

// A parent chain longer than this is treated as a loop (real hierarchies are a few levels).
constexpr int kMaxParentDepth = 100;

std::string NewId(absl::string_view prefix) { return absl::StrCat(prefix, RandomIdHex(8)); }

// Deterministic bytes, so equal payloads always hash equal.
std::string CanonicalBytes(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    message.SerializePartialToCodedStream(&coded);
  }
  return bytes;
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

// Trims the name and aliases, and drops aliases whose key repeats the name's or an earlier
// alias's: they could never resolve to anything else.
void TidyNames(v1::Actor& actor) {
  actor.set_name(std::string(absl::StripAsciiWhitespace(actor.name())));
  absl::flat_hash_set<std::string> seen = {NormalizeName(actor.name())};
  std::vector<std::string> aliases;
  for (const std::string& alias : actor.aliases()) {
    std::string trimmed(absl::StripAsciiWhitespace(alias));
    if (seen.insert(NormalizeName(trimmed)).second) aliases.push_back(std::move(trimmed));
  }
  actor.clear_aliases();
  for (std::string& alias : aliases) actor.add_aliases(std::move(alias));
}

absl::Status NameTaken(absl::string_view name, absl::string_view holder_id) {
  absl::Status status = absl::AlreadyExistsError(
      absl::StrCat("actor.name: \"", name, "\" is already the name of actor \"", holder_id,
                   "\" (names are unique ignoring case, accents and spacing)"));
  status.SetPayload(errors::kFieldPayload, absl::Cord("actor.name"));
  return status;
}

absl::Status NoSuchActor(absl::string_view field, absl::string_view id) {
  return errors::InvalidField(field, absl::StrCat("no actor has id \"", id, "\""));
}

// OK when no actor but `self_id` has a name with this key.
absl::Status CheckNameFree(ActorStore::Reader& tx, const std::string& name,
                           absl::string_view self_id) {
  LOOKOUT_ASSIGN_OR_RETURN(std::optional<std::string> holder,
                           tx.FindIdByNameKey(NormalizeName(name)));
  if (holder.has_value() && *holder != self_id) return NameTaken(name, *holder);
  return absl::OkStatus();
}

// The parent must exist and, for an existing actor `self_id`, must not descend from it.
absl::Status CheckParent(ActorStore::Reader& tx, const std::string& parent_id,
                         absl::string_view self_id) {
  if (parent_id.empty()) return absl::OkStatus();
  LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Actor> ancestor, tx.GetActor(parent_id));
  if (!ancestor.has_value()) return NoSuchActor("actor.parent_id", parent_id);
  if (self_id.empty()) return absl::OkStatus();
  for (int depth = 0; depth < kMaxParentDepth; ++depth) {
    if (ancestor->id() == self_id) {
      return errors::InvalidField("actor.parent_id",
                                  absl::StrCat("\"", parent_id, "\" descends from \"", self_id,
                                               "\", so this would make a loop of parents"));
    }
    if (ancestor->parent_id().empty()) return absl::OkStatus();
    LOOKOUT_ASSIGN_OR_RETURN(ancestor, tx.GetActor(ancestor->parent_id()));
    if (!ancestor.has_value()) return absl::OkStatus();
  }
  return errors::InvalidField(
      "actor.parent_id", absl::StrCat("the chain of parents is deeper than ", kMaxParentDepth));
}

absl::Status CheckActorExists(ActorStore::Reader& tx, absl::string_view field,
                              const std::string& id) {
  LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Actor> actor, tx.GetActor(id));
  if (!actor.has_value()) return NoSuchActor(field, id);
  return absl::OkStatus();
}

// Idempotency: whether `request_id` already produced a result for `method`. Returns the
// result's id for the same payload, ALREADY_EXISTS for another one, nullopt when unused.
absl::StatusOr<std::optional<std::string>> PreviousResult(ActorStore::Reader& tx,
                                                          absl::string_view method,
                                                          const std::string& request_id,
                                                          const std::string& payload_hash) {
  if (request_id.empty()) return std::nullopt;
  LOOKOUT_ASSIGN_OR_RETURN(std::optional<RequestRecord> record, tx.GetRequest(method, request_id));
  if (!record.has_value()) return std::nullopt;
  if (record->payload_hash != payload_hash) return errors::RequestIdReused(request_id);
  return record->result_id;
}

// The canonical query a page token is bound to. Every part but the last has a fixed alphabet
// (numbers, country codes, ids, dates), so the concatenation is unambiguous.
std::string ActorQueryKey(const ActorFilter& filter) {
  return absl::StrCat("actors|type=", filter.type, "|country=", filter.country_code,
                      "|query=", filter.query_key);
}

std::string RelationshipQueryKey(const RelationshipFilter& filter) {
  return absl::StrCat("relationships|type=", filter.type, "|as_of=", filter.as_of_date,
                      "|actor=", filter.actor_id);
}

// Cursor of ListActors: "<id>|<name_key>" (server ids never contain '|').
std::string EncodeActorPosition(const ActorPosition& position) {
  return absl::StrCat(position.id, "|", position.name_key);
}

absl::StatusOr<ActorPosition> DecodeActorPosition(const std::string& cursor) {
  size_t bar = cursor.find('|');
  if (bar == std::string::npos) {
    return errors::InvalidField("page_token", "is not a token this service issued");
  }
  return ActorPosition{cursor.substr(bar + 1), cursor.substr(0, bar)};
}

}  // namespace

ActorManager::ActorManager(ActorStore* store, Options options)
    : store_(store),
      options_(std::move(options)),
      page_tokens_(store->page_token_secret()),
      history_(store, &page_tokens_) {}

ChangeAuthor ActorManager::Timed(ChangeAuthor author, absl::Time now) const {
  author.time_micros = absl::ToUnixMicros(now);
  return author;
}

StoredActor ActorManager::Stamp(v1::Actor actor, absl::Time now) const {
  TidyNames(actor);
  *actor.mutable_update_time() = ToTimestamp(now);
  actor.clear_etag();
  // The etag hashes the whole stored content, update_time included, so every update changes it.
  actor.set_etag(Sha256Hex(CanonicalBytes(actor)).substr(0, 24));

  StoredActor stored;
  stored.name_key = NormalizeName(actor.name());
  for (const std::string& alias : actor.aliases()) {
    stored.alias_keys.push_back(NormalizeName(alias));  // distinct: TidyNames dropped repeats
  }
  stored.actor = std::move(actor);
  return stored;
}

absl::StatusOr<v1::CreateActorResponse> ActorManager::CreateActor(
    const v1::CreateActorRequest& request, const ChangeAuthor& author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateCreateActorRequest(request));
  v1::Actor actor = request.actor();
  // Output only: whatever the client sent there is replaced, and does not count as payload.
  actor.clear_id();
  actor.clear_create_time();
  actor.clear_update_time();
  actor.clear_etag();
  const std::string payload_hash = Sha256Hex(CanonicalBytes(actor));
  const absl::Time now = options_.clock();

  v1::CreateActorResponse response;
  LOOKOUT_RETURN_IF_ERROR(store_->Write([&](ActorStore::Writer& tx) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        std::optional<std::string> previous,
        PreviousResult(tx, kCreateActorMethod, request.request_id(), payload_hash));
    if (previous.has_value()) {
      LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Actor> first, tx.GetActor(*previous));
      if (!first.has_value()) return errors::NotFound("actor", *previous);
      *response.mutable_actor() = std::move(*first);
      return absl::OkStatus();
    }
    LOOKOUT_RETURN_IF_ERROR(CheckNameFree(tx, actor.name(), ""));
    LOOKOUT_RETURN_IF_ERROR(CheckParent(tx, actor.parent_id(), ""));

    v1::Actor created = actor;
    created.set_id(NewId("act_"));
    *created.mutable_create_time() = ToTimestamp(now);
    StoredActor stored = Stamp(std::move(created), now);
    LOOKOUT_RETURN_IF_ERROR(tx.InsertActor(stored));
    LOOKOUT_RETURN_IF_ERROR(tx.RecordChanges(
        {ActorChangeOf(v1::CHANGE_TYPE_CREATED, nullptr, &stored.actor, Timed(author, now))}));
    if (!request.request_id().empty()) {
      LOOKOUT_RETURN_IF_ERROR(tx.RecordRequest(kCreateActorMethod, request.request_id(),
                                               {payload_hash, stored.actor.id()}));
    }
    *response.mutable_actor() = std::move(stored.actor);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::GetActorResponse> ActorManager::GetActor(const v1::GetActorRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateGetActorRequest(request));
  v1::GetActorResponse response;
  LOOKOUT_RETURN_IF_ERROR(store_->Read([&](ActorStore::Reader& tx) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Actor> actor, tx.GetActor(request.id()));
    if (!actor.has_value()) return errors::NotFound("actor", request.id());
    *response.mutable_actor() = std::move(*actor);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::BatchGetActorsResponse> ActorManager::BatchGetActors(
    const v1::BatchGetActorsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateBatchGetActorsRequest(request));
  v1::BatchGetActorsResponse response;
  LOOKOUT_RETURN_IF_ERROR(store_->Read([&](ActorStore::Reader& tx) -> absl::Status {
    for (const std::string& id : request.ids()) {
      LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Actor> actor, tx.GetActor(id));
      if (actor.has_value()) {
        *response.add_actors() = std::move(*actor);
      } else {
        response.add_missing_ids(id);
      }
    }
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::ListActorsResponse> ActorManager::ListActors(
    const v1::ListActorsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateListActorsRequest(request));
  LOOKOUT_ASSIGN_OR_RETURN(const int page_size, validation::PageSize(request.page_size()));
  ActorFilter filter;
  filter.type = request.type();
  filter.country_code = request.country_code();
  filter.query_key = NormalizeName(request.query());
  const std::string query_key = ActorQueryKey(filter);

  std::optional<ActorPosition> after;
  if (!request.page_token().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(std::string cursor,
                             page_tokens_.Decode(request.page_token(), query_key));
    LOOKOUT_ASSIGN_OR_RETURN(after, DecodeActorPosition(cursor));
  }

  v1::ListActorsResponse response;
  LOOKOUT_RETURN_IF_ERROR(store_->Read([&](ActorStore::Reader& tx) -> absl::Status {
    // One row more than asked tells whether another page follows.
    LOOKOUT_ASSIGN_OR_RETURN(std::vector<ListedActor> rows,
                             tx.ListActors(filter, after, page_size + 1));
    LOOKOUT_ASSIGN_OR_RETURN(int64_t total, tx.CountActors(filter));
    response.set_total_size(total);
    if (static_cast<int>(rows.size()) > page_size) {
      rows.resize(page_size);
      const ListedActor& last = rows.back();
      response.set_next_page_token(
          page_tokens_.Encode(EncodeActorPosition({last.name_key, last.actor.id()}), query_key));
    }
    for (ListedActor& row : rows) *response.add_actors() = std::move(row.actor);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::UpdateActorResponse> ActorManager::UpdateActor(
    const v1::UpdateActorRequest& request, const ChangeAuthor& author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateUpdateActorRequest(request));
  const v1::Actor& patch = request.actor();
  const absl::Time now = options_.clock();

  v1::UpdateActorResponse response;
  LOOKOUT_RETURN_IF_ERROR(store_->Write([&](ActorStore::Writer& tx) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Actor> existing, tx.GetActor(patch.id()));
    if (!existing.has_value()) return errors::NotFound("actor", patch.id());
    if (!patch.etag().empty() && patch.etag() != existing->etag()) {
      return errors::EtagMismatch("actor", patch.id());
    }
    v1::Actor updated = *existing;
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "name") {
        updated.set_name(patch.name());
        LOOKOUT_RETURN_IF_ERROR(CheckNameFree(tx, patch.name(), patch.id()));
      } else if (path == "aliases") {
        *updated.mutable_aliases() = patch.aliases();
      } else if (path == "type") {
        updated.set_type(patch.type());
      } else if (path == "country_code") {
        updated.set_country_code(patch.country_code());
      } else if (path == "parent_id") {
        updated.set_parent_id(patch.parent_id());
        LOOKOUT_RETURN_IF_ERROR(CheckParent(tx, patch.parent_id(), patch.id()));
      } else if (path == "description") {
        updated.set_description(patch.description());
      } else if (path == "external_ids") {
        *updated.mutable_external_ids() = patch.external_ids();
      }
    }
    StoredActor stored = Stamp(std::move(updated), now);
    LOOKOUT_RETURN_IF_ERROR(tx.UpdateActor(stored));
    LOOKOUT_RETURN_IF_ERROR(tx.RecordChanges(
        {ActorChangeOf(v1::CHANGE_TYPE_UPDATED, &*existing, &stored.actor, Timed(author, now))}));
    *response.mutable_actor() = std::move(stored.actor);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::DeleteActorResponse> ActorManager::DeleteActor(
    const v1::DeleteActorRequest& request, const ChangeAuthor& author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateDeleteActorRequest(request));
  const ChangeAuthor timed = Timed(author, options_.clock());
  LOOKOUT_RETURN_IF_ERROR(store_->Write([&](ActorStore::Writer& tx) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Actor> existing, tx.GetActor(request.id()));
    if (!existing.has_value()) return errors::NotFound("actor", request.id());
    if (!request.etag().empty() && request.etag() != existing->etag()) {
      return errors::EtagMismatch("actor", request.id());
    }
    LOOKOUT_ASSIGN_OR_RETURN(bool has_children, tx.HasChildren(request.id()));
    if (has_children) {
      return absl::FailedPreconditionError(
          absl::StrCat("id: actor \"", request.id(),
                       "\" is the parent_id of other actors; re-parent or delete them first"));
    }
    // The relationships the deletion takes with it are changes too, each in the history of both
    // its actors: their last states are read before they go.
    std::vector<ActorChange> changes;
    RelationshipFilter of_actor;
    of_actor.actor_id = request.id();
    std::string after_id;
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(std::vector<v1::Relationship> page,
                               tx.ListRelationships(of_actor, after_id, validation::kMaxPageSize));
      for (const v1::Relationship& relationship : page) {
        changes.push_back(RelationshipChangeOf(v1::CHANGE_TYPE_DELETED, relationship, timed));
      }
      if (static_cast<int>(page.size()) < validation::kMaxPageSize) break;
      after_id = page.back().id();
    }
    changes.push_back(ActorChangeOf(v1::CHANGE_TYPE_DELETED, &*existing, nullptr, timed));
    LOOKOUT_RETURN_IF_ERROR(tx.DeleteRelationshipsOf(request.id()));
    LOOKOUT_RETURN_IF_ERROR(tx.DeleteActor(request.id()));
    return tx.RecordChanges(changes);
  }));
  return v1::DeleteActorResponse();
}

absl::StatusOr<v1::ResolveActorsResponse> ActorManager::ResolveActors(
    const v1::ResolveActorsRequest& request, const ChangeAuthor& author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateResolveActorsRequest(request));
  const std::vector<NameToResolve> names = NamesToResolve(request);
  // Each key once, so repeated names in one request share one answer (and one create).
  std::vector<std::string> keys;
  {
    absl::flat_hash_set<absl::string_view> seen;
    for (const NameToResolve& name : names) {
      if (seen.insert(name.key).second) keys.push_back(name.key);
    }
  }

  absl::flat_hash_map<std::string, KeyMatch> matches;
  LOOKOUT_RETURN_IF_ERROR(store_->Read([&](ActorStore::Reader& tx) -> absl::Status {
    // A read may run again too: the assignment replaces what an earlier run found.
    LOOKOUT_ASSIGN_OR_RETURN(matches, MatchKeys(tx, keys));
    return absl::OkStatus();
  }));

  const std::vector<int> to_create = FirstEntriesOfMissingKeys(names, matches);
  if (request.create_missing() && !to_create.empty()) {
    const absl::Time now = options_.clock();
    std::vector<std::string> missing_keys;
    missing_keys.reserve(to_create.size());
    for (int i : to_create) missing_keys.push_back(names[i].key);
    // Every actor this call creates, in one transaction. A store may run the function more
    // than once (a PostgreSQL transaction that lost a race on the name_key index, an SQLite
    // group redone), so each run starts from the read's matches: a run undone must leave no
    // id behind.
    absl::flat_hash_map<std::string, KeyMatch> written;
    LOOKOUT_RETURN_IF_ERROR(store_->Write([&](ActorStore::Writer& tx) -> absl::Status {
      written = matches;
      // Another caller may have created some since the read above.
      LOOKOUT_ASSIGN_OR_RETURN(auto found, MatchKeys(tx, missing_keys));
      std::vector<StoredActor> created;  // in key order, as to_create is
      for (int i : to_create) {
        const NameToResolve& wanted = names[i];
        auto it = found.find(wanted.key);
        if (it != found.end()) {
          written[wanted.key] = std::move(it->second);
          continue;
        }
        v1::Actor actor;
        actor.set_id(NewId("act_"));
        actor.set_name(wanted.name);  // the first spelling seen becomes the name
        actor.set_type(wanted.type);
        actor.set_country_code(wanted.country_code);
        *actor.mutable_create_time() = ToTimestamp(now);
        StoredActor stored = Stamp(std::move(actor), now);
        written[wanted.key] = {stored.actor.id(), v1::RESOLUTION_MATCH_CREATED};
        created.push_back(std::move(stored));
      }
      LOOKOUT_RETURN_IF_ERROR(tx.InsertActors(created));
      std::vector<ActorChange> changes;
      changes.reserve(created.size());
      const ChangeAuthor timed = Timed(author, now);
      for (const StoredActor& stored : created) {
        changes.push_back(ActorChangeOf(v1::CHANGE_TYPE_CREATED, nullptr, &stored.actor, timed));
      }
      return tx.RecordChanges(changes);
    }));
    matches = std::move(written);
  }

  v1::ResolveActorsResponse response;
  response.mutable_resolutions()->Reserve(static_cast<int>(names.size()));
  for (const NameToResolve& name : names) {
    v1::Resolution* resolution = response.add_resolutions();
    resolution->set_name(name.name);
    auto it = matches.find(name.key);
    if (it == matches.end()) {
      resolution->set_match(v1::RESOLUTION_MATCH_NONE);
    } else {
      resolution->set_actor_id(it->second.actor_id);
      resolution->set_match(it->second.match);
    }
  }
  return response;
}

absl::StatusOr<v1::CreateRelationshipResponse> ActorManager::CreateRelationship(
    const v1::CreateRelationshipRequest& request, const ChangeAuthor& author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateCreateRelationshipRequest(request));
  v1::Relationship relationship = request.relationship();
  relationship.clear_id();
  relationship.clear_create_time();
  const std::string payload_hash = Sha256Hex(CanonicalBytes(relationship));
  const absl::Time now = options_.clock();

  v1::CreateRelationshipResponse response;
  LOOKOUT_RETURN_IF_ERROR(store_->Write([&](ActorStore::Writer& tx) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        std::optional<std::string> previous,
        PreviousResult(tx, kCreateRelationshipMethod, request.request_id(), payload_hash));
    if (previous.has_value()) {
      LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Relationship> first,
                               tx.GetRelationship(*previous));
      if (!first.has_value()) return errors::NotFound("relationship", *previous);
      *response.mutable_relationship() = std::move(*first);
      return absl::OkStatus();
    }
    LOOKOUT_RETURN_IF_ERROR(
        CheckActorExists(tx, "relationship.subject_id", relationship.subject_id()));
    LOOKOUT_RETURN_IF_ERROR(
        CheckActorExists(tx, "relationship.object_id", relationship.object_id()));
    v1::Relationship created = relationship;
    created.set_id(NewId("rel_"));
    *created.mutable_create_time() = ToTimestamp(now);
    LOOKOUT_RETURN_IF_ERROR(tx.InsertRelationship(created));
    LOOKOUT_RETURN_IF_ERROR(tx.RecordChanges(
        {RelationshipChangeOf(v1::CHANGE_TYPE_CREATED, created, Timed(author, now))}));
    if (!request.request_id().empty()) {
      LOOKOUT_RETURN_IF_ERROR(tx.RecordRequest(kCreateRelationshipMethod, request.request_id(),
                                               {payload_hash, created.id()}));
    }
    *response.mutable_relationship() = std::move(created);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::ListRelationshipsResponse> ActorManager::ListRelationships(
    const v1::ListRelationshipsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateListRelationshipsRequest(request));
  LOOKOUT_ASSIGN_OR_RETURN(const int page_size, validation::PageSize(request.page_size()));
  RelationshipFilter filter;
  filter.actor_id = request.actor_id();
  filter.type = request.type();
  filter.as_of_date = request.as_of_date();
  const std::string query_key = RelationshipQueryKey(filter);

  std::string after_id;  // "" sorts before every id: the first page
  if (!request.page_token().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(after_id, page_tokens_.Decode(request.page_token(), query_key));
  }

  v1::ListRelationshipsResponse response;
  LOOKOUT_RETURN_IF_ERROR(store_->Read([&](ActorStore::Reader& tx) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(std::vector<v1::Relationship> rows,
                             tx.ListRelationships(filter, after_id, page_size + 1));
    if (static_cast<int>(rows.size()) > page_size) {
      rows.resize(page_size);
      response.set_next_page_token(page_tokens_.Encode(rows.back().id(), query_key));
    }
    for (v1::Relationship& row : rows) *response.add_relationships() = std::move(row);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::DeleteRelationshipResponse> ActorManager::DeleteRelationship(
    const v1::DeleteRelationshipRequest& request, const ChangeAuthor& author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateDeleteRelationshipRequest(request));
  const ChangeAuthor timed = Timed(author, options_.clock());
  LOOKOUT_RETURN_IF_ERROR(store_->Write([&](ActorStore::Writer& tx) -> absl::Status {
    // Its last state, for the change log.
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Relationship> existing,
                             tx.GetRelationship(request.id()));
    if (!existing.has_value()) return errors::NotFound("relationship", request.id());
    LOOKOUT_ASSIGN_OR_RETURN(bool deleted, tx.DeleteRelationship(request.id()));
    // Another transaction deleted it between the read and the delete (PostgreSQL).
    if (!deleted) return errors::NotFound("relationship", request.id());
    return tx.RecordChanges({RelationshipChangeOf(v1::CHANGE_TYPE_DELETED, *existing, timed)});
  }));
  return v1::DeleteRelationshipResponse();
}

}  // namespace lookout::actor
