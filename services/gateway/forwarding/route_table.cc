#include "services/gateway/forwarding/route_table.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "lookout/event/v1/event_service.pb.h"
#include "lookout/stats/v1/stats_service.pb.h"
#include "services/gateway/forwarding/request_peek.h"

namespace lookout::gateway {
namespace {

constexpr Role kReader = v1::ROLE_READER;
constexpr Role kEditor = v1::ROLE_EDITOR;
constexpr CallKind kUnary = CallKind::kUnary;

// Resolving names is a read; creating the missing ones is a write (API.md).
Role ResolveActorsRole(const grpc::ByteBuffer& request) {
  return ReadBoolField(request, actor::v1::ResolveActorsRequest::kCreateMissingFieldNumber)
             ? kEditor
             : kReader;
}

// Creating actors is what an import does in bulk: each name (of `names` and of `actors`) of a
// request with create_missing draws one row of the import budget, found in the actor store or
// not (the gateway cannot tell which); resolving without creating draws none.
int64_t ResolveActorsImportRows(const grpc::ByteBuffer& request) {
  using Request = actor::v1::ResolveActorsRequest;
  if (!ReadBoolField(request, Request::kCreateMissingFieldNumber)) return 0;
  return CountFields(request, {Request::kNamesFieldNumber, Request::kActorsFieldNumber});
}

const std::vector<Route>* BuildRoutes() {
  using B = Backend;
  return new std::vector<Route>{
      // path, backend, least role, idempotent, kind[, role rule, import rows, paced import,
      // request_id field]
      {"/lookout.event.v1.EventService/CreateEvent", B::kEvent, kEditor, false, kUnary, nullptr,
       nullptr, false, event::v1::CreateEventRequest::kRequestIdFieldNumber},
      {"/lookout.event.v1.EventService/GetEvent", B::kEvent, kReader, true, kUnary},
      {"/lookout.event.v1.EventService/ListEvents", B::kEvent, kReader, true, kUnary},
      {"/lookout.event.v1.EventService/UpdateEvent", B::kEvent, kEditor, false, kUnary},
      {"/lookout.event.v1.EventService/DeleteEvent", B::kEvent, kEditor, false, kUnary},
      {"/lookout.event.v1.EventService/ImportEvents", B::kEvent, kEditor, false,
       CallKind::kClientStreaming, nullptr, nullptr, /*paced_import=*/true},
      {"/lookout.event.v1.EventService/WatchEvents", B::kEvent, kReader, true,
       CallKind::kServerStreaming},
      // Whoever may read events may read who changed them (WatchEvents carries the same).
      {"/lookout.event.v1.EventService/ListEventRevisions", B::kEvent, kReader, true, kUnary},
      // Removes history for good: an operator's decision.
      {"/lookout.event.v1.EventService/CompactEventHistory", B::kEvent, v1::ROLE_ADMIN, true,
       kUnary},

      {"/lookout.actor.v1.ActorService/CreateActor", B::kActor, kEditor, false, kUnary, nullptr,
       nullptr, false, actor::v1::CreateActorRequest::kRequestIdFieldNumber},
      {"/lookout.actor.v1.ActorService/GetActor", B::kActor, kReader, true, kUnary},
      {"/lookout.actor.v1.ActorService/BatchGetActors", B::kActor, kReader, true, kUnary},
      {"/lookout.actor.v1.ActorService/ListActors", B::kActor, kReader, true, kUnary},
      {"/lookout.actor.v1.ActorService/UpdateActor", B::kActor, kEditor, false, kUnary},
      {"/lookout.actor.v1.ActorService/DeleteActor", B::kActor, kEditor, false, kUnary},
      // Retry-safe even when it creates: a second try finds the actors the first one made.
      {"/lookout.actor.v1.ActorService/ResolveActors", B::kActor, kReader, true, kUnary,
       &ResolveActorsRole, &ResolveActorsImportRows},
      {"/lookout.actor.v1.ActorService/CreateRelationship", B::kActor, kEditor, false, kUnary,
       nullptr, nullptr, false, actor::v1::CreateRelationshipRequest::kRequestIdFieldNumber},
      {"/lookout.actor.v1.ActorService/ListRelationships", B::kActor, kReader, true, kUnary},
      {"/lookout.actor.v1.ActorService/DeleteRelationship", B::kActor, kEditor, false, kUnary},

      {"/lookout.stats.v1.StatsService/AggregateEvents", B::kStats, kReader, true, kUnary},
      {"/lookout.stats.v1.StatsService/GetTrends", B::kStats, kReader, true, kUnary},
      {"/lookout.stats.v1.StatsService/RecordObservation", B::kStats, kEditor, false, kUnary,
       nullptr, nullptr, false, stats::v1::RecordObservationRequest::kRequestIdFieldNumber},
      {"/lookout.stats.v1.StatsService/GetObservation", B::kStats, kReader, true, kUnary},
      {"/lookout.stats.v1.StatsService/ListObservations", B::kStats, kReader, true, kUnary},
      {"/lookout.stats.v1.StatsService/DeleteObservation", B::kStats, kEditor, false, kUnary},
      {"/lookout.stats.v1.StatsService/SummarizeMetric", B::kStats, kReader, true, kUnary},

      {"/lookout.gateway.v1.GatewayService/GetSituationReport", B::kGateway, kReader, true, kUnary},
      {"/lookout.gateway.v1.GatewayService/WhoAmI", B::kGateway, kReader, true, kUnary},

      // Whoever may read actors may read who changed them (issue 26).
      {"/lookout.actor.v1.ActorService/ListActorRevisions", B::kActor, kReader, true, kUnary},
      // Whoever may read observations may read who changed them (as ListEventRevisions).
      {"/lookout.stats.v1.StatsService/ListObservationRevisions", B::kStats, kReader, true,
       kUnary},
  };
}

CallKind KindOf(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming() && !method.server_streaming()) return CallKind::kClientStreaming;
  if (method.server_streaming() && !method.client_streaming()) return CallKind::kServerStreaming;
  return CallKind::kUnary;  // bidi is not used by the API; it would fail the kind check below
}

}  // namespace

const std::vector<Route>& Routes() {
  static const std::vector<Route>* routes = BuildRoutes();
  return *routes;
}

const Route* FindRoute(absl::string_view path) {
  static const auto* by_path = [] {
    auto* map = new absl::flat_hash_map<absl::string_view, const Route*>();
    for (const Route& route : Routes()) (*map)[route.path] = &route;
    return map;
  }();
  auto it = by_path->find(path);
  return it == by_path->end() ? nullptr : it->second;
}

absl::string_view ServiceOfPath(absl::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return path.substr(0, path.find('/'));
}

absl::string_view MethodOfPath(absl::string_view path) {
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

std::vector<std::string> ForwardedServices() {
  std::vector<std::string> names;
  for (const Route& route : Routes()) {
    if (route.backend == Backend::kGateway) continue;
    // Each once, in the order first met: a route appended at the end of the table may belong
    // to a service met before.
    std::string service(ServiceOfPath(route.path));
    if (std::find(names.begin(), names.end(), service) == names.end()) names.push_back(service);
  }
  return names;
}

std::string BackendName(Backend backend) {
  switch (backend) {
    case Backend::kGateway:
      return "gateway";
    case Backend::kEvent:
      return "event";
    case Backend::kActor:
      return "actor";
    case Backend::kStats:
      return "stats";
  }
  return "unknown";
}

absl::Status CheckRoutesAgainstDescriptors() {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  absl::flat_hash_set<std::string> services;
  for (const Route& route : Routes()) {
    std::string full_name = absl::StrCat(ServiceOfPath(route.path), ".", MethodOfPath(route.path));
    const google::protobuf::MethodDescriptor* method = pool->FindMethodByName(full_name);
    if (method == nullptr) {
      return absl::InternalError(absl::StrCat("route ", route.path,
                                              " names no method in the "
                                              "linked protos"));
    }
    if (KindOf(*method) != route.kind ||
        (method->client_streaming() && method->server_streaming())) {
      return absl::InternalError(
          absl::StrCat("route ", route.path, " declares the wrong call kind"));
    }
    if (route.role_for_request != nullptr && route.kind != CallKind::kUnary) {
      return absl::InternalError(
          absl::StrCat("route ", route.path, " has a request rule but is not unary"));
    }
    if (route.import_rows != nullptr && route.kind != CallKind::kUnary) {
      return absl::InternalError(
          absl::StrCat("route ", route.path, " counts import rows but is not unary"));
    }
    if (route.paced_import && route.kind != CallKind::kClientStreaming) {
      return absl::InternalError(
          absl::StrCat("route ", route.path, " paces an import but is not client streaming"));
    }
    services.insert(std::string(ServiceOfPath(route.path)));
  }
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) return absl::InternalError(absl::StrCat("no service ", name));
    for (int i = 0; i < service->method_count(); ++i) {
      std::string path = absl::StrCat("/", name, "/", service->method(i)->name());
      if (FindRoute(path) == nullptr) {
        return absl::InternalError(absl::StrCat("method ", path, " has no route"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace lookout::gateway
