// What the service fuzz targets share: the input format (a sequence of calls), the rules every
// answer must keep, references from one call of an input to what an earlier one created, and a
// scratch folder for the stores.
//
// Input format. libprotobuf-mutator is not packaged in Debian 12, so the targets mutate
// serialized messages: an input is a sequence of calls, each one selector byte (which method)
// followed by a varint length and that many bytes, parsed as the method's request. Bytes that do
// not parse end the input, as the server's own parse would refuse them (and exercise the
// generated parsers on the way). Sequences let one input create something and then get, update,
// list or delete it.
//
// Templates. A selector with its top bit set (kOverTemplate) merges the request's bytes over a
// valid request of that method: mutated bytes then change a few fields of a request that is
// otherwise accepted, so the rules past the first one (and the writes after them) are reached,
// not only the first required field's.
//
// References. A request cannot guess the random ids the services assign, so an id-like string
// field (`id`, `*_id` except `request_id`, repeated `ids`) whose value is "@" followed by a byte
// is replaced by the id the input's calls produced (or the fixture's) at that byte's index, and an
// `etag` of "@" by the newest etag seen for the last id so replaced.
//
// Each target defines SeedInputs(): valid call sequences, written as files into fuzz/corpus/
// by the replay driver (`<target>_fuzz_replay --write-seeds DIR`) and replayed by CTest.
#ifndef LOOKOUT_FUZZ_SERVICE_FUZZ_H_
#define LOOKOUT_FUZZ_SERVICE_FUZZ_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace lookout::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
  std::abort();
}

inline void Check(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

// The calls of one input, in order.
class CallReader {
 public:
  CallReader(const uint8_t* data, size_t size)
      : input_(data, static_cast<int>(size > (1u << 20) ? (1u << 20) : size)) {}

  // The next call's selector and request bytes; false at the end or on a malformed frame.
  bool Next(uint8_t* selector, std::string* bytes) {
    if (input_.ExpectAtEnd()) return false;
    if (!input_.ReadRaw(selector, 1)) return false;
    uint32_t length = 0;
    if (!input_.ReadVarint32(&length)) return false;
    bytes->clear();
    return input_.ReadString(bytes, static_cast<int>(length));
  }

 private:
  google::protobuf::io::CodedInputStream input_;
};

// Runs the first 64 calls of an input on `session` (anything with Call(selector, bytes)).
template <typename Session>
void RunCalls(const uint8_t* data, size_t size, Session& session) {
  CallReader calls(data, size);
  uint8_t selector = 0;
  std::string bytes;
  for (int n = 0; n < 64 && calls.Next(&selector, &bytes); ++n) session.Call(selector, bytes);
}

inline constexpr uint8_t kOverTemplate = 0x80;

// The method a selector picks among `count`.
inline int MethodOf(uint8_t selector, int count) { return (selector & ~kOverTemplate) % count; }

// Parses a request; over `templ` when the selector asks for it.
template <typename Request>
bool ParseRequest(uint8_t selector, const std::string& bytes, const Request& templ,
                  Request* request) {
  if (!request->ParseFromString(bytes)) return false;
  if ((selector & kOverTemplate) != 0) {
    Request merged = templ;
    merged.MergeFrom(*request);
    *request = std::move(merged);
  }
  return true;
}

// One call as the fuzz inputs (and the seed files) encode it.
inline std::string Frame(uint8_t selector, const google::protobuf::Message& request) {
  std::string bytes = request.SerializeAsString();
  std::string out(1, static_cast<char>(selector));
  uint32_t length = static_cast<uint32_t>(bytes.size());
  do {
    uint8_t b = length & 0x7f;
    length >>= 7;
    out.push_back(static_cast<char>(length != 0 ? (b | 0x80) : b));
  } while (length != 0);
  return out + bytes;
}

// What every answer of a handler keeps, whatever the request: a failure says why; it is never
// INTERNAL or UNKNOWN (a request cannot break the store); an INVALID_ARGUMENT names its field,
// in the payload and at the start of the message ("event.notes: ..."), as errors::InvalidField
// makes it.
// LOOKOUT_FUZZ_TRACE=1 prints each answer (to see what a seed or a regression reaches).
inline void CheckStatus(const absl::Status& status, const std::string& call) {
  static const bool trace = std::getenv("LOOKOUT_FUZZ_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "%s: %s\n", call.c_str(), status.ToString().c_str());
  if (status.ok()) return;
  const std::string text = absl::StrCat(call, ": ", status.ToString());
  Check(!status.message().empty(), "a failure says why: " + text);
  Check(status.code() != absl::StatusCode::kInternal &&
            status.code() != absl::StatusCode::kUnknown &&
            status.code() != absl::StatusCode::kDataLoss,
        "no request is an internal error: " + text);
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    const std::string field = errors::FieldOf(status);
    Check(!field.empty(), "INVALID_ARGUMENT names its field: " + text);
    Check(absl::StartsWith(status.message(), field + ": "),
          "INVALID_ARGUMENT's message starts with its field: " + text);
  }
}

// A list's next page: the same request with the page's next_page_token must be answered OK (a
// token the service just gave for this very query is never INVALID_ARGUMENT), and repeat none
// of the first page's items. `list` calls the handler; `ids` reads a response's item ids.
template <typename Request, typename Response, typename List, typename Ids>
void CheckNextPage(const Request& request, const Response& first, List list, Ids ids,
                   const std::string& call) {
  if (first.next_page_token().empty()) return;
  Request next = request;
  next.set_page_token(first.next_page_token());
  auto second = list(next);
  Check(second.ok(),
        call + ": the next page of a query is answered: " + second.status().ToString());
  const std::vector<std::string> before = ids(first);
  for (const std::string& id : ids(*second)) {
    for (const std::string& seen : before) {
      Check(id != seen, call + ": the next page repeats no item of the first: " + id);
    }
  }
}

// The ids an input's calls refer to with "@<byte>", and the newest etag of each.
class References {
 public:
  void Add(const std::string& id, const std::string& etag = "") {
    if (id.empty()) return;
    if (etags_.find(id) == etags_.end()) ids_.push_back(id);
    if (!etag.empty() || etags_.find(id) == etags_.end()) etags_[id] = etag;
  }
  void Forget(size_t keep) {
    while (ids_.size() > keep) {
      etags_.erase(ids_.back());
      ids_.pop_back();
    }
  }
  size_t size() const { return ids_.size(); }

  // Replaces the references in `message` and its submessages.
  void Resolve(google::protobuf::Message* message) { ResolveIn(message, 0); }

 private:
  static bool IsIdField(const google::protobuf::FieldDescriptor* field) {
    const std::string& name = field->name();
    if (name == "request_id" || absl::EndsWith(name, "change_log_id")) return false;
    return name == "id" || name == "ids" || absl::EndsWith(name, "_id") ||
           absl::EndsWith(name, "_ids");
  }

  std::string Replace(const std::string& value, bool is_etag) {
    if (value.empty() || value[0] != '@') return value;
    if (is_etag) {
      auto it = etags_.find(last_);
      return it == etags_.end() ? value : it->second;
    }
    if (ids_.empty() || value.size() != 2) return value;
    last_ = ids_[static_cast<uint8_t>(value[1]) % ids_.size()];
    return last_;
  }

  void ResolveIn(google::protobuf::Message* message, int depth) {
    if (depth > 8) return;
    const google::protobuf::Reflection* reflection = message->GetReflection();
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    reflection->ListFields(*message, &fields);
    for (const auto* field : fields) {
      if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        if (field->is_repeated()) {
          for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
            ResolveIn(reflection->MutableRepeatedMessage(message, field, i), depth + 1);
          }
        } else {
          ResolveIn(reflection->MutableMessage(message, field), depth + 1);
        }
        continue;
      }
      if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) continue;
      const bool is_etag = field->name() == "etag";
      if (!is_etag && !IsIdField(field)) continue;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          reflection->SetRepeatedString(
              message, field, i,
              Replace(reflection->GetRepeatedString(*message, field, i), is_etag));
        }
      } else {
        reflection->SetString(message, field,
                              Replace(reflection->GetString(*message, field), is_etag));
      }
    }
  }

  std::vector<std::string> ids_;
  absl::flat_hash_map<std::string, std::string> etags_;
  std::string last_;
};

// A fresh folder for a target's stores, in memory when /dev/shm is there (a synced commit there
// costs nothing, so the fuzzer spends its time in the handlers). Removed at exit.
// Silences protobuf's log: a fuzzer's invalid UTF-8 in a string field makes the parse refuse the
// bytes (as the server's would) and log a line each time, which would only slow the run.
inline void QuietProtobufLog() { google::protobuf::SetLogHandler(nullptr); }

// The target's seeds (defined by each target).
std::vector<std::string> SeedInputs();

inline std::string ScratchDir(const std::string& target) {
  std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  std::string templ = (base / ("lookout-fuzz-" + target + "-XXXXXX")).string();
  if (mkdtemp(templ.data()) == nullptr) Fail("cannot make a scratch folder in " + base.string());
  static std::vector<std::string>* dirs = new std::vector<std::string>;
  dirs->push_back(templ);
  std::atexit([] {
    for (const auto& dir : *dirs) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  });
  return templ;
}

}  // namespace lookout::fuzz

#endif  // LOOKOUT_FUZZ_SERVICE_FUZZ_H_
