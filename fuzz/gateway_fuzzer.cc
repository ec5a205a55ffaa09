// libFuzzer target: the gateway's code that reads what a caller sends before any backend does:
// the route table's lookup of a method path, the request peeks (a bool, a non-empty string, a
// field count, read from the raw bytes without a parse), the request-dependent role check
// (Admission::CheckRequest), the Bearer token, and the keys-file, role and rate-limit parsers.
// The first byte of an input picks which; the rest is the bytes it is given.
//
// Beyond no crash and no sanitizer finding:
// - a path the table finds is that route's path, and splits into its service and method;
// - whenever the bytes parse as the route's request, each peek agrees with the parse (a count
//   may be higher, never lower: a field number repeated with another wire type still counts);
//   whatever the bytes, a READER is refused ResolveActors with create_missing, and a malformed
//   request is treated as creating;
// - keys-file records, roles and rate limits survive formatting and parsing again.
#include <grpc/grpc.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fuzz/service_fuzz.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "lookout/event/v1/event_service.pb.h"
#include "lookout/stats/v1/stats_service.pb.h"
#include "services/gateway/access/access_control.h"
#include "services/gateway/access/admission.h"
#include "services/gateway/access/api_keys.h"
#include "services/gateway/access/rate_limit.h"
#include "services/gateway/access/role.h"
#include "services/gateway/forwarding/request_peek.h"
#include "services/gateway/forwarding/route_table.h"

namespace lookout::fuzz {
namespace {

using gateway::Role;

enum Target : uint8_t { kPath, kPeek, kKeysFile, kRateLimit, kWords, kTargetCount };

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

void FuzzPath(const std::string& path) {
  const gateway::Route* route = gateway::FindRoute(path);
  const absl::string_view service = gateway::ServiceOfPath(path);
  const absl::string_view method = gateway::MethodOfPath(path);
  Check(service.size() <= path.size() && method.size() <= path.size(),
        "the parts of a path are within it");
  if (route == nullptr) return;
  Check(path == route->path, "FindRoute finds the route of that path");
  Check(absl::StrCat("/", service, "/", method) == path,
        "a routed path is /<service>/<method>: " + path);
  Check(!gateway::BackendName(route->backend).empty(), "every backend has a name");
}

// The peeks, on every route that reads its request, against a parse of the same bytes.
void FuzzPeek(const std::string& bytes) {
  using actor::v1::ResolveActorsRequest;
  const grpc::ByteBuffer buffer = Buffer(bytes);
  static gateway::AccessControl* access =
      new gateway::AccessControl(nullptr, gateway::RoleRateLimits());
  static gateway::Admission* admission = new gateway::Admission(access, nullptr);
  gateway::Principal reader, editor;
  reader.name = "fuzz-reader";
  reader.role = gateway::v1::ROLE_READER;
  editor.name = "fuzz-editor";
  editor.role = gateway::v1::ROLE_EDITOR;

  ResolveActorsRequest resolve;
  const bool parses = resolve.ParseFromString(bytes);
  const bool creating =
      gateway::ReadBoolField(buffer, ResolveActorsRequest::kCreateMissingFieldNumber);
  const int64_t names = gateway::CountFields(
      buffer, {ResolveActorsRequest::kNamesFieldNumber, ResolveActorsRequest::kActorsFieldNumber});
  Check(names >= 0, "a count is never negative");
  if (parses) {
    Check(creating == resolve.create_missing(), "ReadBoolField agrees with the parse");
    Check(names >= resolve.names_size() + resolve.actors_size(),
          "CountFields counts at least the parsed entries");
  }
  for (const gateway::Route& route : gateway::Routes()) {
    if (route.role_for_request != nullptr) {
      absl::Status as_reader = admission->CheckRequest(reader, route, buffer);
      absl::Status as_editor = admission->CheckRequest(editor, route, buffer);
      Check(as_editor.ok(), "an EDITOR may make any request of " + std::string(route.path));
      Check(as_reader.ok() != creating,
            "a READER is refused exactly the creating requests: " + as_reader.ToString());
      if (!as_reader.ok()) {
        Check(absl::IsPermissionDenied(as_reader) && !as_reader.message().empty(),
              "a refused role is PERMISSION_DENIED and says why");
      }
    }
    if (route.import_rows != nullptr) {
      const int64_t rows = route.import_rows(buffer);
      Check(rows >= 0, "import rows are never negative");
      if (creating) Check(rows == names, "a creating request pays a row per name");
      if (!creating) Check(rows == 0, "a request that creates nothing pays no rows");
    }
  }
  // The request_id peek, against each request that has one.
  auto check_request_id = [&](google::protobuf::Message&& request, int field,
                              const std::string& (*get)(const google::protobuf::Message&)) {
    if (!request.ParseFromString(bytes)) return;
    Check(gateway::HasNonEmptyStringField(buffer, field) == !get(request).empty(),
          "HasNonEmptyStringField agrees with the parse of " + request.GetTypeName());
  };
  check_request_id(event::v1::CreateEventRequest(),
                   event::v1::CreateEventRequest::kRequestIdFieldNumber,
                   [](const google::protobuf::Message& m) -> const std::string& {
                     return static_cast<const event::v1::CreateEventRequest&>(m).request_id();
                   });
  check_request_id(actor::v1::CreateActorRequest(),
                   actor::v1::CreateActorRequest::kRequestIdFieldNumber,
                   [](const google::protobuf::Message& m) -> const std::string& {
                     return static_cast<const actor::v1::CreateActorRequest&>(m).request_id();
                   });
  check_request_id(stats::v1::RecordObservationRequest(),
                   stats::v1::RecordObservationRequest::kRequestIdFieldNumber,
                   [](const google::protobuf::Message& m) -> const std::string& {
                     return static_cast<const stats::v1::RecordObservationRequest&>(m).request_id();
                   });
  // Any field number, as the first byte of the bytes picks it.
  const int field = bytes.empty() ? 1 : 1 + static_cast<uint8_t>(bytes[0]) % 32;
  (void)gateway::ReadBoolField(buffer, field);
  (void)gateway::HasNonEmptyStringField(buffer, field);
  Check(gateway::CountFields(buffer, {field}) >= 0, "a count is never negative");
}

void FuzzKeysFile(const std::string& text) {
  gateway::ParsedApiKeys lines = gateway::ParseApiKeyLines(text, "fuzz");
  for (const auto& refused : lines.refused) {
    Check(!refused.ok() && !refused.message().empty(), "a refused line says why");
  }
  Check(lines.records.size() <= static_cast<size_t>(lines.key_lines),
        "no more records than key lines");
  absl::StatusOr<std::vector<gateway::ApiKeyRecord>> whole = gateway::ParseApiKeys(text, "fuzz");
  Check(whole.ok() == lines.refused.empty(),
        "the whole file parses exactly when no line is refused: " + whole.status().ToString());
  for (const gateway::ApiKeyRecord& record : lines.records) {
    const std::string line = gateway::FormatApiKeyLine(record);
    auto again = gateway::ParseApiKeys(line, "fuzz");
    Check(again.ok() && again->size() == 1,
          "a formatted record parses: " + line + ": " + again.status().ToString());
    const gateway::ApiKeyRecord& back = (*again)[0];
    Check(back.name == record.name && back.role == record.role &&
              back.sha256_hex == record.sha256_hex && back.rate_limit == record.rate_limit &&
              back.import_limit == record.import_limit,
          "a record survives formatting and parsing: " + line);
  }
}

void FuzzRateLimit(const std::string& text) {
  for (const char* unit : {"calls", "rows"}) {
    absl::StatusOr<gateway::RateLimit> limit = gateway::ParseRateLimit(text, unit);
    if (!limit.ok()) {
      Check(!limit.status().message().empty(), "a refused rate limit says why");
      continue;
    }
    Check(limit->per_second > 0 && limit->burst >= 1, "a rate limit is positive");
    Check(limit->interval_us() >= 1, "a token comes back after at least a microsecond");
    const std::string formatted = gateway::FormatRateLimit(*limit);
    auto again = gateway::ParseRateLimit(formatted, unit);
    Check(again.ok() && *again == *limit,
          "a rate limit survives formatting and parsing: " + text + " -> " + formatted);
  }
  gateway::RoleRateLimits calls(gateway::Budget::kCalls);
  gateway::RoleRateLimits imports(gateway::Budget::kImports);
  for (gateway::RoleRateLimits* limits : {&calls, &imports}) {
    absl::Status status = limits->Parse(text);
    if (!status.ok()) Check(!status.message().empty(), "a refused limit per role says why");
    for (Role role :
         {gateway::v1::ROLE_READER, gateway::v1::ROLE_EDITOR, gateway::v1::ROLE_ADMIN}) {
      Check(limits->For(role).per_second > 0, "every role keeps a limit");
    }
  }
}

void FuzzWords(const std::string& text) {
  const absl::string_view token = gateway::BearerToken(text);
  Check(token.size() <= text.size(), "a token is part of the value");
  if (std::optional<Role> role = gateway::ParseRole(text)) {
    Check(gateway::ParseRole(gateway::RoleName(*role)) == role,
          "a role survives naming and parsing");
  }
}

}  // namespace

std::vector<std::string> SeedInputs() {
  auto with = [](Target target, const std::string& bytes) {
    return std::string(1, static_cast<char>(target)) + bytes;
  };
  std::vector<std::string> seeds;
  seeds.push_back(with(kPath, "/lookout.actor.v1.ActorService/ResolveActors"));
  seeds.push_back(with(kPath, "/lookout.event.v1.EventService/GetEvent"));
  actor::v1::ResolveActorsRequest resolve;
  resolve.add_names("Village de Dieu");
  resolve.add_names("G9");
  resolve.add_actors()->set_name("Kenya Police");
  resolve.set_create_missing(true);
  seeds.push_back(with(kPeek, resolve.SerializeAsString()));
  event::v1::CreateEventRequest create;
  create.set_request_id("req-1");
  create.mutable_event()->set_notes("x");
  seeds.push_back(with(kPeek, create.SerializeAsString()));
  const std::string hash(64, 'a');
  seeds.push_back(with(kKeysFile, "# keys\nalice READER " + hash + "\nbob EDITOR " +
                                      std::string(64, 'b') + " 5:10 import=100:200\n"));
  seeds.push_back(with(kRateLimit, "20:40"));
  seeds.push_back(with(kRateLimit, "READER=20:40,EDITOR=10:20"));
  seeds.push_back(with(kWords, "Bearer lk_0123456789abcdef"));
  seeds.push_back(with(kWords, "EDITOR"));
  return seeds;
}

}  // namespace lookout::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookout::fuzz;
  static const bool initialized = [] {
    grpc_init();  // grpc::Slice and ByteBuffer need the core library
    QuietProtobufLog();
    return true;
  }();
  (void)initialized;
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (static_cast<Target>(data[0] % kTargetCount)) {
    case kPath:
      FuzzPath(bytes);
      break;
    case kPeek:
      FuzzPeek(bytes);
      break;
    case kKeysFile:
      FuzzKeysFile(bytes);
      break;
    case kRateLimit:
      FuzzRateLimit(bytes);
      break;
    case kWords:
      FuzzWords(bytes);
      break;
    case kTargetCount:
      break;
  }
  return 0;
}
