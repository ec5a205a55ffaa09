#include "services/gateway/http/http_router.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"

namespace lookout::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The field a dot path names, walking singular message fields; nullptr when it names nothing.
const FieldDescriptor* FindFieldPath(const Descriptor* message, absl::string_view path) {
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (message == nullptr) return nullptr;
    field = message->FindFieldByName(std::string(part));
    if (field == nullptr) return nullptr;
    message = field->type() == FieldDescriptor::TYPE_MESSAGE && !field->is_repeated()
                  ? field->message_type()
                  : nullptr;
  }
  return field;
}

}  // namespace

bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

absl::StatusOr<HttpRoute> ParsePathTemplate(absl::string_view pattern) {
  HttpRoute route;
  route.pattern = std::string(pattern);
  if (pattern.empty() || pattern[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("\"", pattern, "\": must start with '/'"));
  }
  absl::string_view rest = pattern.substr(1);
  // The verb follows the last ':' outside braces.
  size_t close = rest.rfind('}');
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && (close == absl::string_view::npos || colon > close)) {
    route.verb = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  for (absl::string_view part : absl::StrSplit(rest, '/')) {
    HttpRoute::Segment segment;
    if (!part.empty() && part.front() == '{') {
      if (part.back() != '}') {
        return absl::InvalidArgumentError(absl::StrCat("\"", pattern, "\": unclosed variable"));
      }
      absl::string_view inner = part.substr(1, part.size() - 2);
      size_t eq = inner.find('=');
      if (eq != absl::string_view::npos) {
        if (inner.substr(eq + 1) != "*") {
          return absl::InvalidArgumentError(
              absl::StrCat("\"", pattern, "\": only single-segment variables are supported"));
        }
        inner = inner.substr(0, eq);
      }
      if (inner.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("\"", pattern, "\": empty variable"));
      }
      segment.field_path = std::string(inner);
    } else {
      if (part.empty() || part.find_first_of("{}*") != absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", pattern, "\": bad literal segment \"", part, "\""));
      }
      segment.literal = std::string(part);
    }
    route.segments.push_back(std::move(segment));
  }
  return route;
}

absl::StatusOr<HttpRouter> HttpRouter::FromDescriptors(const std::vector<std::string>& grpc_paths) {
  HttpRouter router;
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& path : grpc_paths) {
    // "/pkg.Service/Method" -> "pkg.Service.Method"
    std::string full_name = path.substr(1);
    size_t slash = full_name.find('/');
    if (slash == std::string::npos) return absl::InvalidArgumentError("bad gRPC path " + path);
    full_name[slash] = '.';
    const google::protobuf::MethodDescriptor* method = pool->FindMethodByName(full_name);
    if (method == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(full_name, ": no descriptor linked"));
    }
    if (!method->options().HasExtension(google::api::http)) {
      return absl::FailedPreconditionError(
          absl::StrCat(full_name, ": no google.api.http option, so no HTTP route"));
    }
    // The rule and its additional_bindings (a second route to the same method, e.g. a
    // situation report by country or by sea) each become a route.
    const google::api::HttpRule& main_rule = method->options().GetExtension(google::api::http);
    std::vector<const google::api::HttpRule*> rules = {&main_rule};
    for (const google::api::HttpRule& extra : main_rule.additional_bindings()) {
      rules.push_back(&extra);
    }
    for (const google::api::HttpRule* rule_pointer : rules) {
      const google::api::HttpRule& rule = *rule_pointer;
      std::string verb;
      std::string pattern;
      switch (rule.pattern_case()) {
        case google::api::HttpRule::kGet: verb = "GET"; pattern = rule.get(); break;
        case google::api::HttpRule::kPost: verb = "POST"; pattern = rule.post(); break;
        case google::api::HttpRule::kPatch: verb = "PATCH"; pattern = rule.patch(); break;
        case google::api::HttpRule::kPut: verb = "PUT"; pattern = rule.put(); break;
        case google::api::HttpRule::kDelete: verb = "DELETE"; pattern = rule.delete_(); break;
        default:
          return absl::FailedPreconditionError(
              absl::StrCat(full_name, ": google.api.http needs get, post, patch, put or delete"));
      }
      absl::StatusOr<HttpRoute> route = ParsePathTemplate(pattern);
      if (!route.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat(full_name, ": ", route.status().message()));
      }
      route->http_method = verb;
      route->body = rule.body();
      route->method = method;
      route->grpc_path = path;
      for (const HttpRoute::Segment& segment : route->segments) {
        if (segment.field_path.empty()) continue;
        const FieldDescriptor* field = FindFieldPath(method->input_type(), segment.field_path);
        if (field == nullptr || field->is_repeated() ||
            field->type() == FieldDescriptor::TYPE_MESSAGE) {
          return absl::FailedPreconditionError(absl::StrCat(
              full_name, ": path variable \"", segment.field_path,
              "\" is not a singular scalar field of ", method->input_type()->full_name()));
        }
      }
      if (!route->body.empty() && route->body != "*") {
        const FieldDescriptor* field = method->input_type()->FindFieldByName(route->body);
        if (field == nullptr || field->is_repeated() ||
            field->type() != FieldDescriptor::TYPE_MESSAGE) {
          return absl::FailedPreconditionError(absl::StrCat(
              full_name, ": body \"", route->body, "\" is not a message field of the request"));
        }
      }
      router.routes_.push_back(std::move(*route));
    }
  }
  return router;
}

HttpRouter::MatchResult HttpRouter::Match(
    absl::string_view http_method, absl::string_view path, const HttpRoute** found,
    std::vector<std::pair<std::string, std::string>>* bindings, std::string* allowed) const {
  std::vector<std::string> allowed_methods;
  if (path.empty() || path[0] != '/') return MatchResult::kNoPath;
  std::vector<absl::string_view> parts = absl::StrSplit(path.substr(1), '/');
  for (const HttpRoute& route : routes_) {
    std::vector<absl::string_view> segments = parts;
    if (!route.verb.empty()) {
      absl::string_view& last = segments.back();
      size_t colon = last.rfind(':');
      if (colon == absl::string_view::npos || last.substr(colon + 1) != route.verb) continue;
      last = last.substr(0, colon);
    }
    if (segments.size() != route.segments.size()) continue;
    std::vector<std::pair<std::string, std::string>> values;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const HttpRoute::Segment& want = route.segments[i];
      if (want.field_path.empty()) {
        match = segments[i] == want.literal;
      } else {
        std::string value;
        match = !segments[i].empty() && PercentDecode(segments[i], false, &value);
        if (match) values.emplace_back(want.field_path, std::move(value));
      }
    }
    if (!match) continue;
    if (route.http_method != http_method) {
      allowed_methods.push_back(route.http_method);
      continue;
    }
    *found = &route;
    *bindings = std::move(values);
    return MatchResult::kFound;
  }
  if (allowed_methods.empty()) return MatchResult::kNoPath;
  *allowed = absl::StrJoin(allowed_methods, ", ");
  return MatchResult::kWrongMethod;
}

}  // namespace lookout::gateway
