// The gRPC face of ActorManager: each method checks the internal token (ServeCall), calls the
// domain (a write with its author: the principal and request id the gateway set, the request's
// reason) and converts the status at the edge. No rules live here.
#ifndef LOOKOUT_SERVICES_ACTOR_ACTOR_SERVICE_H_
#define LOOKOUT_SERVICES_ACTOR_ACTOR_SERVICE_H_

#include "common/call_context.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "services/actor/actor_manager.h"

namespace lookout::actor {

inline constexpr char kActorServiceName[] = "lookout.actor.v1.ActorService";

class ActorServiceImpl final : public v1::ActorService::Service {
 public:
  // `manager` must outlive the service.
  ActorServiceImpl(ActorManager* manager, InternalAuth auth)
      : manager_(manager), auth_(std::move(auth)) {}

  grpc::Status CreateActor(grpc::ServerContext* context, const v1::CreateActorRequest* request,
                           v1::CreateActorResponse* response) override;
  grpc::Status GetActor(grpc::ServerContext* context, const v1::GetActorRequest* request,
                        v1::GetActorResponse* response) override;
  grpc::Status BatchGetActors(grpc::ServerContext* context,
                              const v1::BatchGetActorsRequest* request,
                              v1::BatchGetActorsResponse* response) override;
  grpc::Status ListActors(grpc::ServerContext* context, const v1::ListActorsRequest* request,
                          v1::ListActorsResponse* response) override;
  grpc::Status UpdateActor(grpc::ServerContext* context, const v1::UpdateActorRequest* request,
                           v1::UpdateActorResponse* response) override;
  grpc::Status DeleteActor(grpc::ServerContext* context, const v1::DeleteActorRequest* request,
                           v1::DeleteActorResponse* response) override;
  grpc::Status ResolveActors(grpc::ServerContext* context, const v1::ResolveActorsRequest* request,
                             v1::ResolveActorsResponse* response) override;
  grpc::Status CreateRelationship(grpc::ServerContext* context,
                                  const v1::CreateRelationshipRequest* request,
                                  v1::CreateRelationshipResponse* response) override;
  grpc::Status ListRelationships(grpc::ServerContext* context,
                                 const v1::ListRelationshipsRequest* request,
                                 v1::ListRelationshipsResponse* response) override;
  grpc::Status DeleteRelationship(grpc::ServerContext* context,
                                  const v1::DeleteRelationshipRequest* request,
                                  v1::DeleteRelationshipResponse* response) override;
  grpc::Status ListActorRevisions(grpc::ServerContext* context,
                                  const v1::ListActorRevisionsRequest* request,
                                  v1::ListActorRevisionsResponse* response) override;

 private:
  ActorManager* manager_;
  InternalAuth auth_;
};

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_ACTOR_SERVICE_H_
