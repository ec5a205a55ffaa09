#include "services/actor/actor_history.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "services/actor/actor_validation.h"

namespace lookout::actor {
namespace {

using Kind = ActorChange::Kind;

// Parses a stored state into `message`.
absl::Status ParseState(const std::string& bytes, int64_t sequence,
                        google::protobuf::Message* message) {
  if (!message->ParseFromString(bytes)) {
    return errors::StorageFailure(
        absl::StrCat("unreadable state in the actor change log at sequence ", sequence));
  }
  return absl::OkStatus();
}

// Fills `revision`'s state (the state after, or for a deletion the last one) and its changed
// paths, from the stored states of `change`.
template <typename Message>
absl::Status FillState(const ActorChange& change, std::initializer_list<int> bookkeeping,
                       Message* state, v1::ActorRevision* revision) {
  const bool deleted = change.type == v1::CHANGE_TYPE_DELETED;
  LOOKOUT_RETURN_IF_ERROR(
      ParseState(deleted ? change.before : change.after, change.sequence, state));
  if (deleted) return absl::OkStatus();
  Message before;
  const bool has_before = !change.before.empty();
  if (has_before) LOOKOUT_RETURN_IF_ERROR(ParseState(change.before, change.sequence, &before));
  for (std::string& path : ChangedFieldPaths(has_before ? &before : nullptr, *state, bookkeeping)) {
    revision->add_changed_paths(std::move(path));
  }
  return absl::OkStatus();
}

}  // namespace

ActorChange ActorChangeOf(v1::ChangeType type, const v1::Actor* before, const v1::Actor* after,
                          const ChangeAuthor& author) {
  ActorChange change;
  change.type = type;
  change.kind = Kind::kActor;
  change.id = after != nullptr ? after->id() : before->id();
  change.actor_id = change.id;
  if (before != nullptr) change.before = before->SerializeAsString();
  if (after != nullptr) change.after = after->SerializeAsString();
  change.author = author;
  return change;
}

ActorChange RelationshipChangeOf(v1::ChangeType type, const v1::Relationship& relationship,
                                 const ChangeAuthor& author) {
  ActorChange change;
  change.type = type;
  change.kind = Kind::kRelationship;
  change.id = relationship.id();
  change.actor_id = relationship.subject_id();
  change.other_actor_id = relationship.object_id();
  (type == v1::CHANGE_TYPE_DELETED ? change.before : change.after) =
      relationship.SerializeAsString();
  change.author = author;
  return change;
}

v1::ChangeProvenance ProvenanceOf(const ChangeAuthor& author) {
  return ::lookout::ProvenanceOf<v1::ChangeProvenance>(author);
}

absl::StatusOr<v1::ListActorRevisionsResponse> ActorHistory::ListRevisions(
    const v1::ListActorRevisionsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateListActorRevisionsRequest(request));
  LOOKOUT_ASSIGN_OR_RETURN(const int page_size, validation::PageSize(request.page_size()));
  // Tokens are bound to the actor, so one actor's token cannot page another's history.
  const std::string canonical = absl::StrCat("actor_revisions:", request.id());
  int64_t before = 0;
  if (!request.page_token().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(std::string cursor,
                             page_tokens_->Decode(request.page_token(), canonical));
    if (!absl::SimpleAtoi(cursor, &before) || before <= 0) {
      return errors::InvalidField("page_token", "is not a token this method issued");
    }
  }
  std::vector<ActorChange> changes;
  LOOKOUT_RETURN_IF_ERROR(store_->Read([&](ActorStore::Reader& tx) -> absl::Status {
    // One more than the page tells whether another page follows.
    LOOKOUT_ASSIGN_OR_RETURN(changes, tx.ActorChanges(request.id(), before, page_size + 1));
    if (!changes.empty() || before != 0) return absl::OkStatus();
    // No change logged: an actor created before the log existed has an empty history.
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<v1::Actor> actor, tx.GetActor(request.id()));
    if (!actor.has_value()) return errors::NotFound("actor", request.id());
    return absl::OkStatus();
  }));

  v1::ListActorRevisionsResponse response;
  const size_t shown = std::min<size_t>(changes.size(), page_size);
  for (size_t i = 0; i < shown; ++i) {
    const ActorChange& change = changes[i];
    v1::ActorRevision* revision = response.add_revisions();
    revision->set_sequence(change.sequence);
    revision->set_type(change.type);
    *revision->mutable_provenance() = ProvenanceOf(change.author);
    if (change.kind == Kind::kRelationship) {
      LOOKOUT_RETURN_IF_ERROR(FillState(change, {}, revision->mutable_relationship(), revision));
    } else {
      LOOKOUT_RETURN_IF_ERROR(
          FillState(change, {v1::Actor::kUpdateTimeFieldNumber, v1::Actor::kEtagFieldNumber},
                    revision->mutable_actor(), revision));
    }
  }
  if (changes.size() > shown) {
    response.set_next_page_token(
        page_tokens_->Encode(absl::StrCat(changes[shown - 1].sequence), canonical));
  }
  return response;
}

}  // namespace lookout::actor
