#include "services/gateway/http/transcoder.h"

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/util/json_util.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/rpc/error_details.pb.h"  // linked so RetryInfo details print as JSON
#include "google/rpc/status.pb.h"

namespace lookout::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// "eventDate" -> "event_date"; a path already in snake_case is kept.
std::string ToSnakeCase(absl::string_view name) {
  std::string out;
  for (char c : name) {
    if (absl::ascii_isupper(c)) {
      out.push_back('_');
      out.push_back(absl::ascii_tolower(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A JSON string literal holding `text`.
std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      snprintf(escape, sizeof(escape), "\\u%04x", c);
      out += escape;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

const FieldDescriptor* FindField(const Descriptor* message, absl::string_view name) {
  const FieldDescriptor* field = message->FindFieldByName(std::string(name));
  if (field == nullptr) field = message->FindFieldByCamelcaseName(std::string(name));
  return field;
}

absl::Status Invalid(absl::string_view name, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat("\"", name, "\": ", rule));
}

// Sets (or, repeated, appends) one scalar field from its text form.
absl::Status SetScalar(Message* message, const FieldDescriptor* field, absl::string_view name,
                       const std::string& value) {
  const Reflection* r = message->GetReflection();
  bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        return Invalid(name, "bytes fields cannot be set from the URL");
      }
      repeated ? r->AddString(message, field, value) : r->SetString(message, field, value);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) return Invalid(name, "expected a 32-bit integer");
      repeated ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return Invalid(name, "expected a 64-bit integer");
      repeated ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v)) return Invalid(name, "expected an unsigned integer");
      repeated ? r->AddUInt32(message, field, v) : r->SetUInt32(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v)) return Invalid(name, "expected an unsigned integer");
      repeated ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return Invalid(name, "expected a number");
      repeated ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v;
      if (!absl::SimpleAtof(value, &v)) return Invalid(name, "expected a number");
      repeated ? r->AddFloat(message, field, v) : r->SetFloat(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value == "false" || value == "0") {
        v = false;
      } else {
        return Invalid(name, "expected true or false");
      }
      repeated ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* e = field->enum_type()->FindValueByName(value);
      int number;
      if (e == nullptr && absl::SimpleAtoi(value, &number)) {
        e = field->enum_type()->FindValueByNumber(number);
      }
      if (e == nullptr) {
        return Invalid(name, absl::StrCat("not a value of ", field->enum_type()->full_name()));
      }
      repeated ? r->AddEnum(message, field, e) : r->SetEnum(message, field, e);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return Invalid(name, "unsupported field type");
}

// Sets the field a dot path names from a URL value. `taken` holds the paths the path template
// and the body bind; `seen` the singular paths already given.
absl::Status SetFieldPath(Message* root, absl::string_view name, const std::string& value,
                          std::set<std::string>* seen) {
  Message* message = root;
  std::vector<absl::string_view> parts = absl::StrSplit(name, '.');
  std::string proto_path;
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = FindField(message->GetDescriptor(), parts[i]);
    if (field == nullptr) {
      return Invalid(name, absl::StrCat("no such field in ", message->GetDescriptor()->full_name()));
    }
    absl::StrAppend(&proto_path, i == 0 ? "" : ".", field->name());
    bool last = i + 1 == parts.size();
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!last) return Invalid(name, absl::StrCat("\"", field->name(), "\" is not a message"));
      if (!field->is_repeated() && !seen->insert(proto_path).second) {
        return Invalid(name, "given more than once");
      }
      return SetScalar(message, field, name, value);
    }
    if (field->is_repeated()) {
      return Invalid(name, "repeated messages cannot be set from the URL; use a body");
    }
    Message* child = message->GetReflection()->MutableMessage(message, field);
    if (!last) {
      message = child;
      continue;
    }
    if (!seen->insert(proto_path).second) return Invalid(name, "given more than once");
    const std::string& type = field->message_type()->full_name();
    if (type == "google.protobuf.FieldMask") {
      auto* mask = static_cast<google::protobuf::FieldMask*>(child);
      for (absl::string_view path : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        mask->add_paths(ToSnakeCase(absl::StripAsciiWhitespace(path)));
      }
      return absl::OkStatus();
    }
    if (absl::StartsWith(type, "google.protobuf.")) {
      // Timestamp, Duration and the wrappers: their JSON form is one string.
      std::string json = JsonQuote(value);
      absl::Status parsed = JsonToMessage(json, child);
      if (!parsed.ok()) return Invalid(name, parsed.message());
      return absl::OkStatus();
    }
    return Invalid(name, absl::StrCat("is a message (", type, "): set its fields, e.g. \"", name,
                                      ".", field->message_type()->field(0)->name(), "\""));
  }
  return Invalid(name, "empty parameter name");
}

// Whether `path` is `prefix` or inside it ("event.id" is inside "event").
bool Covers(absl::string_view prefix, absl::string_view path) {
  return path == prefix ||
         (absl::StartsWith(path, prefix) && path.size() > prefix.size() && path[prefix.size()] == '.');
}

}  // namespace

absl::Status JsonToMessage(absl::string_view json, Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return absl::OkStatus();
}

std::string MessageToJson(const Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

absl::Status BuildRequest(const HttpRoute& route,
                          const std::vector<std::pair<std::string, std::string>>& bindings,
                          absl::string_view query, absl::string_view body, Message* request) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(body);
  if (route.body.empty()) {
    if (!trimmed.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(route.http_method, " ", route.pattern,
                                                     " takes no body; use query parameters"));
    }
  } else if (!trimmed.empty()) {
    Message* target = request;
    if (route.body != "*") {
      target = request->GetReflection()->MutableMessage(
          request, request->GetDescriptor()->FindFieldByName(route.body));
    }
    absl::Status parsed = JsonToMessage(trimmed, target);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("body: ", parsed.message()));
    }
  }
  std::set<std::string> seen;
  for (const auto& [path, value] : bindings) {
    // The path wins; a body that says otherwise is a mistake worth naming.
    std::set<std::string> unused;
    Message* message = request;
    const FieldDescriptor* field = nullptr;
    std::vector<std::string> parts = absl::StrSplit(path, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      field = message->GetDescriptor()->FindFieldByName(parts[i]);
      if (i + 1 < parts.size()) message = message->GetReflection()->MutableMessage(message, field);
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      std::string current = message->GetReflection()->GetString(*message, field);
      if (!current.empty() && current != value) {
        return Invalid(path, absl::StrCat("the body says \"", current, "\" but the URL says \"",
                                          value, "\""));
      }
    }
    absl::Status set = SetScalar(message, field, path, value);
    if (!set.ok()) return set;
    seen.insert(path);
  }
  if (query.empty()) return absl::OkStatus();
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (!PercentDecode(pair.substr(0, eq), true, &name) ||
        (eq != absl::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value))) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter \"", pair, "\": bad percent-encoding"));
    }
    // Canonical (snake_case) path for the binding checks.
    std::string canonical;
    {
      const Descriptor* d = request->GetDescriptor();
      for (absl::string_view part : absl::StrSplit(name, '.')) {
        const FieldDescriptor* f = d == nullptr ? nullptr : FindField(d, part);
        if (f == nullptr) {
          canonical.clear();
          break;
        }
        absl::StrAppend(&canonical, canonical.empty() ? "" : ".", f->name());
        d = f->message_type();
      }
    }
    if (!canonical.empty()) {
      if (route.body == "*" || (!route.body.empty() && Covers(route.body, canonical))) {
        return Invalid(name, "belongs in the body, not the query");
      }
      for (const auto& binding : bindings) {
        if (Covers(binding.first, canonical) || Covers(canonical, binding.first)) {
          return Invalid(name, "is set by the URL path");
        }
      }
    }
    absl::Status set = SetFieldPath(request, name, value, &seen);
    if (!set.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("query parameter ", set.message()));
    }
  }
  return absl::OkStatus();
}

int HttpStatusForCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::UNKNOWN: return 500;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::INTERNAL: return 500;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DATA_LOSS: return 500;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    default: return 500;
  }
}

std::string StatusToJson(const grpc::Status& status) {
  google::rpc::Status proto;
  if (!status.error_details().empty()) proto.ParseFromString(status.error_details());
  proto.set_code(status.error_code());
  proto.set_message(status.error_message());
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // "details": [] too, so clients need no checks
  if (!google::protobuf::util::MessageToJsonString(proto, &out, options).ok()) {
    // A detail of a type this binary does not know cannot be printed: drop the details.
    proto.clear_details();
    out.clear();
    (void)google::protobuf::util::MessageToJsonString(proto, &out, options);
  }
  return out;
}

std::string StatusToJson(grpc::StatusCode code, absl::string_view message) {
  return StatusToJson(grpc::Status(code, std::string(message)));
}

}  // namespace lookout::gateway
