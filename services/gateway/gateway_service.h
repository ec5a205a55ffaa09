// lookout.gateway.v1.GatewayService: the gateway's own methods, behind the same admission as
// the forwarded ones (their routes are in the routing table too).
#ifndef LOOKOUT_SERVICES_GATEWAY_GATEWAY_SERVICE_H_
#define LOOKOUT_SERVICES_GATEWAY_GATEWAY_SERVICE_H_

#include "lookout/gateway/v1/gateway_service.grpc.pb.h"
#include "services/gateway/access/admission.h"
#include "services/gateway/reports/situation_report.h"

namespace lookout::gateway {

inline constexpr char kGatewayServiceName[] = "lookout.gateway.v1.GatewayService";

class GatewayServiceImpl final : public v1::GatewayService::CallbackService {
 public:
  // Both must outlive the service.
  GatewayServiceImpl(Admission* admission, const ReportDeps* report_deps)
      : admission_(admission), report_deps_(report_deps) {}

  grpc::ServerUnaryReactor* GetSituationReport(grpc::CallbackServerContext* context,
                                               const v1::GetSituationReportRequest* request,
                                               v1::GetSituationReportResponse* response) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::WhoAmIResponse* response) override;

 private:
  Admission* const admission_;
  const ReportDeps* const report_deps_;
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_GATEWAY_SERVICE_H_
