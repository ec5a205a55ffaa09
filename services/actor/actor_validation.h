// Field rules of every ActorService request, checked before the domain touches storage. Each
// function returns OK or INVALID_ARGUMENT naming the field and the rule. Rules that need stored
// data (parent_id, subject_id and object_id must exist) are the manager's.
#ifndef LOOKOUT_SERVICES_ACTOR_ACTOR_VALIDATION_H_
#define LOOKOUT_SERVICES_ACTOR_ACTOR_VALIDATION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lookout/actor/v1/actor_service.pb.h"

namespace lookout::actor {

// Most ids per BatchGetActors, and names plus actors per ResolveActors.
inline constexpr size_t kMaxBatchSize = 1000;
inline constexpr size_t kMaxExternalIds = 100;

// The update_mask paths UpdateActor accepts.
bool IsMutableActorField(absl::string_view path);

absl::Status ValidateCreateActorRequest(const v1::CreateActorRequest& request);
absl::Status ValidateGetActorRequest(const v1::GetActorRequest& request);
absl::Status ValidateBatchGetActorsRequest(const v1::BatchGetActorsRequest& request);
// page_size is checked separately, by validation::PageSize.
absl::Status ValidateListActorsRequest(const v1::ListActorsRequest& request);
absl::Status ValidateUpdateActorRequest(const v1::UpdateActorRequest& request);
absl::Status ValidateDeleteActorRequest(const v1::DeleteActorRequest& request);
absl::Status ValidateResolveActorsRequest(const v1::ResolveActorsRequest& request);
absl::Status ValidateCreateRelationshipRequest(const v1::CreateRelationshipRequest& request);
absl::Status ValidateListRelationshipsRequest(const v1::ListRelationshipsRequest& request);
absl::Status ValidateDeleteRelationshipRequest(const v1::DeleteRelationshipRequest& request);
// page_size is checked separately, by validation::PageSize.
absl::Status ValidateListActorRevisionsRequest(const v1::ListActorRevisionsRequest& request);

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_ACTOR_VALIDATION_H_
