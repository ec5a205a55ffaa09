// History and provenance of actors (issue 26): the change records the domain writes with each
// change of an actor or a relationship, and an actor's revisions read back from them with the
// fields each change altered.
#ifndef LOOKOUT_SERVICES_ACTOR_ACTOR_HISTORY_H_
#define LOOKOUT_SERVICES_ACTOR_ACTOR_HISTORY_H_

#include "absl/status/statusor.h"
#include "common/change_history.h"
#include "common/page_token.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "services/actor/actor_store.h"

namespace lookout::actor {

// The change record of an actor's creation (before null), update, or deletion (after null).
ActorChange ActorChangeOf(v1::ChangeType type, const v1::Actor* before, const v1::Actor* after,
                          const ChangeAuthor& author);
// The same for a relationship: CREATED or DELETED (relationships are not updated).
ActorChange RelationshipChangeOf(v1::ChangeType type, const v1::Relationship& relationship,
                                 const ChangeAuthor& author);

v1::ChangeProvenance ProvenanceOf(const ChangeAuthor& author);

class ActorHistory {
 public:
  // Both must outlive the history.
  ActorHistory(ActorStore* store, const PageTokenCodec* page_tokens)
      : store_(store), page_tokens_(page_tokens) {}

  // Newest first; NOT_FOUND when the actor neither exists nor has any change in the log.
  absl::StatusOr<v1::ListActorRevisionsResponse> ListRevisions(
      const v1::ListActorRevisionsRequest& request);

 private:
  ActorStore* const store_;
  const PageTokenCodec* const page_tokens_;
};

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_ACTOR_HISTORY_H_
