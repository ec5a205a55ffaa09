#include "services/gateway/gateway_service.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "services/gateway/reports/report_assembly.h"

namespace lookout::gateway {
namespace {

const Route& RouteFor(absl::string_view method) {
  const Route* route = FindRoute(absl::StrCat("/", kGatewayServiceName, "/", method));
  return *route;  // both methods are in the table; CheckRoutesAgainstDescriptors proves it
}

}  // namespace

grpc::ServerUnaryReactor* GatewayServiceImpl::WhoAmI(grpc::CallbackServerContext* context,
                                                     const v1::WhoAmIRequest* request,
                                                     v1::WhoAmIResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  static const Route& route = RouteFor("WhoAmI");
  CallIdentity identity = IdentityIdsOf(*context);
  absl::StatusOr<Principal> principal = admission_->Identify(*context, route);
  if (!principal.ok()) {
    EndGatewayCall(context, route.path, identity, ToGrpcStatus(principal.status()));
    reactor->Finish(ToGrpcStatus(principal.status()));
    return reactor;
  }
  identity.principal = principal->name;
  identity.role = principal->role;
  response->set_principal(principal->name);
  response->set_role(principal->role);
  admission_->Limit(*principal, [reactor, context, identity](grpc::Status status) {
    EndGatewayCall(context, route.path, identity, status);
    reactor->Finish(status);
  });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayServiceImpl::GetSituationReport(
    grpc::CallbackServerContext* context, const v1::GetSituationReportRequest* request,
    v1::GetSituationReportResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  static const Route& route = RouteFor("GetSituationReport");
  CallIdentity identity = IdentityIdsOf(*context);
  absl::StatusOr<Principal> principal = admission_->Identify(*context, route);
  if (!principal.ok()) {
    EndGatewayCall(context, route.path, identity, ToGrpcStatus(principal.status()));
    reactor->Finish(ToGrpcStatus(principal.status()));
    return reactor;
  }
  identity.principal = principal->name;
  identity.role = principal->role;
  admission_->Limit(*principal, [this, reactor, context, request, response,
                                 identity = std::move(identity)](grpc::Status status) {
    auto finish = [reactor, context, identity](grpc::Status result) {
      EndGatewayCall(context, route.path, identity, result);
      reactor->Finish(result);
    };
    if (!status.ok()) {
      finish(status);
      return;
    }
    absl::StatusOr<v1::GetSituationReportRequest> normalized = NormalizeReportRequest(*request);
    if (!normalized.ok()) {
      finish(ToGrpcStatus(normalized.status()));
      return;
    }
    BuildSituationReport(report_deps_, context, identity, *std::move(normalized), response,
                         std::move(finish));
  });
  return reactor;
}

}  // namespace lookout::gateway
