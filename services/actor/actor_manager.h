// The actor domain: every ActorService rule, on plain protos and absl::Status, with no gRPC.
//
// Decisions this class makes (and the contract leaves open):
// - Names are unique by matching key (NormalizeName): creating or renaming an actor to a name
//   whose key another actor's name already has is ALREADY_EXISTS naming actor.name. This keeps
//   ResolveActors unambiguous for names. Aliases may be shared; an alias resolves to the earliest
//   created actor that carries it, and an exact name always wins over an alias.
// - Deleting an actor deletes the relationships it takes part in (they say nothing once one side
//   is gone). Deleting an actor that is another actor's parent is FAILED_PRECONDITION: re-parent
//   or delete the children first, so no parent_id ever dangles.
// - A request_id is scoped to its method. A retry whose first result was deleted since is
//   NOT_FOUND rather than a second create.
// - ResolveActors creates every missing name of one call in one store write, in name-key order
//   (so two calls creating the same names wait on each other instead of deadlocking), and
//   checks again inside that write: a name another call created meanwhile is found, not
//   created twice. An actor created for a name asked more than once takes its first entry's
//   spelling, type and country.
// - A parent chain may not loop: an update that would make an actor its own ancestor is
//   INVALID_ARGUMENT naming actor.parent_id.
// - Every write records its changes in the store's change log in the same transaction, with the
//   caller's ChangeAuthor (issue 26): an actor's creation (CreateActor, ResolveActors), update
//   and deletion, a relationship's creation and deletion, and the deletion of each relationship
//   an actor's deletion takes with it (with that call's author and reason). A retry answered
//   from its request_id record changes nothing and records nothing. An update that changes no
//   field is still a change (its update_time and etag are new).
#ifndef LOOKOUT_SERVICES_ACTOR_ACTOR_MANAGER_H_
#define LOOKOUT_SERVICES_ACTOR_ACTOR_MANAGER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/change_history.h"
#include "common/page_token.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "services/actor/actor_history.h"
#include "services/actor/actor_store.h"

namespace lookout::actor {

struct ActorManagerOptions {
  // Injected so tests control create_time and update_time.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class ActorManager {
 public:
  using Options = ActorManagerOptions;

  // `store` must outlive the manager.
  explicit ActorManager(ActorStore* store, Options options = Options());

  absl::StatusOr<v1::CreateActorResponse> CreateActor(const v1::CreateActorRequest& request,
                                                      const ChangeAuthor& author = {});
  absl::StatusOr<v1::GetActorResponse> GetActor(const v1::GetActorRequest& request);
  absl::StatusOr<v1::BatchGetActorsResponse> BatchGetActors(
      const v1::BatchGetActorsRequest& request);
  absl::StatusOr<v1::ListActorsResponse> ListActors(const v1::ListActorsRequest& request);
  absl::StatusOr<v1::UpdateActorResponse> UpdateActor(const v1::UpdateActorRequest& request,
                                                      const ChangeAuthor& author = {});
  absl::StatusOr<v1::DeleteActorResponse> DeleteActor(const v1::DeleteActorRequest& request,
                                                      const ChangeAuthor& author = {});
  absl::StatusOr<v1::ResolveActorsResponse> ResolveActors(const v1::ResolveActorsRequest& request,
                                                          const ChangeAuthor& author = {});
  absl::StatusOr<v1::CreateRelationshipResponse> CreateRelationship(
      const v1::CreateRelationshipRequest& request, const ChangeAuthor& author = {});
  absl::StatusOr<v1::ListRelationshipsResponse> ListRelationships(
      const v1::ListRelationshipsRequest& request);
  // The actor's revisions and those of its relationships, newest first (see ActorHistory).
  absl::StatusOr<v1::ListActorRevisionsResponse> ListActorRevisions(
      const v1::ListActorRevisionsRequest& request) {
    return history_.ListRevisions(request);
  }
  absl::StatusOr<v1::DeleteRelationshipResponse> DeleteRelationship(
      const v1::DeleteRelationshipRequest& request, const ChangeAuthor& author = {});

 private:
  // The author with the change's time set (the manager's clock).
  ChangeAuthor Timed(ChangeAuthor author, absl::Time now) const;
  // Stamps a new or changed actor (update_time, etag) and derives its matching keys.
  StoredActor Stamp(v1::Actor actor, absl::Time now) const;

  ActorStore* store_;
  Options options_;
  PageTokenCodec page_tokens_;
  ActorHistory history_;
};

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_ACTOR_MANAGER_H_
