#include "services/actor/actor_service.h"

#include <utility>

#include "absl/status/statusor.h"
#include "common/change_history.h"

namespace lookout::actor {
namespace {

// Moves a domain result into the gRPC response, or passes its error on.
template <typename Response>
absl::Status Respond(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

}  // namespace

grpc::Status ActorServiceImpl::CreateActor(grpc::ServerContext* context,
                                           const v1::CreateActorRequest* request,
                                           v1::CreateActorResponse* response) {
  return ServeCall(context, auth_, "CreateActor", [&] {
    return Respond(manager_->CreateActor(*request, AuthorOfCall(context, request->reason())),
                   response);
  });
}

grpc::Status ActorServiceImpl::GetActor(grpc::ServerContext* context,
                                        const v1::GetActorRequest* request,
                                        v1::GetActorResponse* response) {
  return ServeCall(context, auth_, "GetActor",
                   [&] { return Respond(manager_->GetActor(*request), response); });
}

grpc::Status ActorServiceImpl::BatchGetActors(grpc::ServerContext* context,
                                              const v1::BatchGetActorsRequest* request,
                                              v1::BatchGetActorsResponse* response) {
  return ServeCall(context, auth_, "BatchGetActors",
                   [&] { return Respond(manager_->BatchGetActors(*request), response); });
}

grpc::Status ActorServiceImpl::ListActors(grpc::ServerContext* context,
                                          const v1::ListActorsRequest* request,
                                          v1::ListActorsResponse* response) {
  return ServeCall(context, auth_, "ListActors",
                   [&] { return Respond(manager_->ListActors(*request), response); });
}

grpc::Status ActorServiceImpl::UpdateActor(grpc::ServerContext* context,
                                           const v1::UpdateActorRequest* request,
                                           v1::UpdateActorResponse* response) {
  return ServeCall(context, auth_, "UpdateActor", [&] {
    return Respond(manager_->UpdateActor(*request, AuthorOfCall(context, request->reason())),
                   response);
  });
}

grpc::Status ActorServiceImpl::DeleteActor(grpc::ServerContext* context,
                                           const v1::DeleteActorRequest* request,
                                           v1::DeleteActorResponse* response) {
  return ServeCall(context, auth_, "DeleteActor", [&] {
    return Respond(manager_->DeleteActor(*request, AuthorOfCall(context, request->reason())),
                   response);
  });
}

grpc::Status ActorServiceImpl::ResolveActors(grpc::ServerContext* context,
                                             const v1::ResolveActorsRequest* request,
                                             v1::ResolveActorsResponse* response) {
  return ServeCall(context, auth_, "ResolveActors", [&] {
    return Respond(manager_->ResolveActors(*request, AuthorOfCall(context, request->reason())),
                   response);
  });
}

grpc::Status ActorServiceImpl::CreateRelationship(grpc::ServerContext* context,
                                                  const v1::CreateRelationshipRequest* request,
                                                  v1::CreateRelationshipResponse* response) {
  return ServeCall(context, auth_, "CreateRelationship", [&] {
    return Respond(manager_->CreateRelationship(*request, AuthorOfCall(context, request->reason())),
                   response);
  });
}

grpc::Status ActorServiceImpl::ListRelationships(grpc::ServerContext* context,
                                                 const v1::ListRelationshipsRequest* request,
                                                 v1::ListRelationshipsResponse* response) {
  return ServeCall(context, auth_, "ListRelationships",
                   [&] { return Respond(manager_->ListRelationships(*request), response); });
}

grpc::Status ActorServiceImpl::DeleteRelationship(grpc::ServerContext* context,
                                                  const v1::DeleteRelationshipRequest* request,
                                                  v1::DeleteRelationshipResponse* response) {
  return ServeCall(context, auth_, "DeleteRelationship", [&] {
    return Respond(manager_->DeleteRelationship(*request, AuthorOfCall(context, request->reason())),
                   response);
  });
}

grpc::Status ActorServiceImpl::ListActorRevisions(grpc::ServerContext* context,
                                                  const v1::ListActorRevisionsRequest* request,
                                                  v1::ListActorRevisionsResponse* response) {
  return ServeCall(context, auth_, "ListActorRevisions",
                   [&] { return Respond(manager_->ListActorRevisions(*request), response); });
}

}  // namespace lookout::actor
