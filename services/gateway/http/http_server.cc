#include "services/gateway/http/http_server.h"

#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"
#include "services/gateway/http/grpc_call.h"
#include "services/gateway/http/static_files.h"
#include "services/gateway/http/transcoder.h"

namespace lookout::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using google::protobuf::Message;

struct HttpServer::Impl {
  HttpOptions options;
  HttpRouter router;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  GrpcCallRegistry calls;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<int> connections{0};
  int port = 0;
  bool stopped = false;

  void Accept();
};

namespace {

std::chrono::steady_clock::duration ToSteady(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

std::string ByteBufferToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

grpc::ByteBuffer MessageToByteBuffer(const Message& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// gRPC's own timeout syntax ("5S", "250m"): what a grpc-timeout header carries.
bool ParseGrpcTimeout(absl::string_view text, absl::Duration* out) {
  if (text.size() < 2 || text.size() > 9) return false;
  int64_t value;
  if (!absl::SimpleAtoi(text.substr(0, text.size() - 1), &value) || value < 0) return false;
  switch (text.back()) {
    case 'H': *out = absl::Hours(value); return true;
    case 'M': *out = absl::Minutes(value); return true;
    case 'S': *out = absl::Seconds(value); return true;
    case 'm': *out = absl::Milliseconds(value); return true;
    case 'u': *out = absl::Microseconds(value); return true;
    case 'n': *out = absl::Nanoseconds(value); return true;
    default: return false;
  }
}

bool PrintableAscii(absl::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Request headers passed on as gRPC metadata: the key, and trace context.
constexpr const char* kForwardedHeaders[] = {"authorization", "traceparent", "tracestate"};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server, bool over_capacity)
      : stream_(std::move(socket)),
        server_(server),
        options_(server->options),
        over_capacity_(over_capacity),
        heartbeat_(stream_.get_executor()) {
    ++server_->connections;
  }
  ~Session() { --server_->connections; }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->over_capacity_) {
        self->keep_alive_ = false;
        self->SendError(http::status::service_unavailable, grpc::StatusCode::UNAVAILABLE,
                        "too many connections: try again later", 11);
        return;
      }
      self->WaitForRequest();
    });
  }

 private:
  // Waits (idle timeout) for the first byte of the next request, unless one is buffered.
  void WaitForRequest() {
    if (buffer_.size() > 0) {
      ReadHeader();
      return;
    }
    stream_.expires_after(ToSteady(options_.idle_timeout));
    stream_.async_read_some(buffer_.prepare(8192),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(ToSteady(options_.request_timeout));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  // False when the read failed; answers a malformed or oversized request first.
  bool ReadFailed(beast::error_code ec) {
    if (!ec) return false;
    keep_alive_ = false;
    if (ec == http::error::header_limit) {
      SendError(http::status::request_header_fields_too_large, grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrCat("request header larger than ", options_.max_header_bytes, " bytes"));
    } else if (ec == http::error::body_limit) {
      SendError(http::status::payload_too_large, grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrCat("request body larger than ", body_limit_, " bytes"));
    } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      SendError(http::status::bad_request, grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrCat("malformed HTTP request: ", ec.message()));
    } else {
      Close();  // the client went away or was too slow: nobody to answer
    }
    return true;
  }

  void OnHeader(beast::error_code ec) {
    if (ReadFailed(ec)) return;
    const auto& req = parser_->get();
    absl::string_view target(req.target().data(), req.target().size());
    absl::string_view path = target.substr(0, target.find('?'));
    // An import's JSONL body may be large and slow: its own limits.
    body_limit_ = options_.max_body_bytes;
    absl::Duration timeout = options_.request_timeout;
    const HttpRoute* route = nullptr;
    std::vector<std::pair<std::string, std::string>> bindings;
    std::string allowed;
    std::string method(req.method_string().data(), req.method_string().size());
    if (server_->router.Match(method, path, &route, &bindings, &allowed) ==
            HttpRouter::MatchResult::kFound &&
        route->method->client_streaming()) {
      body_limit_ = options_.max_import_body_bytes;
      timeout = options_.import_body_timeout;
    }
    parser_->body_limit(body_limit_);
    stream_.expires_after(ToSteady(timeout));
    if (absl::EqualsIgnoreCase(
            absl::string_view(req[http::field::expect].data(), req[http::field::expect].size()),
            "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (self->ReadFailed(ec)) return;
                       self->stream_.expires_never();
                       self->request_ = self->parser_->release();
                       self->parser_.reset();
                       self->Handle();
                     });
  }

  void Handle() {
    keep_alive_ = request_.keep_alive();
    absl::string_view target(request_.target().data(), request_.target().size());
    size_t q = target.find('?');
    absl::string_view path = target.substr(0, q);
    absl::string_view query = q == absl::string_view::npos ? "" : target.substr(q + 1);
    std::string method(request_.method_string().data(), request_.method_string().size());
    if (path != "/v1" && !absl::StartsWith(path, "/v1/")) return ServeStatic(method, path);

    const HttpRoute* route = nullptr;
    std::vector<std::pair<std::string, std::string>> bindings;
    std::string allowed;
    switch (server_->router.Match(method, path, &route, &bindings, &allowed)) {
      case HttpRouter::MatchResult::kNoPath:
        return SendError(http::status::not_found, grpc::StatusCode::NOT_FOUND,
                         absl::StrCat("no API route for ", method, " ", path));
      case HttpRouter::MatchResult::kWrongMethod:
        allow_ = allowed;
        return SendError(http::status::method_not_allowed, grpc::StatusCode::UNIMPLEMENTED,
                         absl::StrCat(path, " takes ", allowed, ", not ", method));
      case HttpRouter::MatchResult::kFound:
        break;
    }
    route_ = route;
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(
        route->method->input_type());
    GrpcCall::Params params;
    params.path = route->grpc_path;
    params.deadline = std::chrono::system_clock::time_point::max();
    if (route->method->client_streaming()) {
      // One request message per non-empty line; all are checked before any is sent, so a bad
      // line writes nothing.
      if (!query.empty()) {
        return BadRequest(absl::StrCat(route->pattern, " takes no query parameters"));
      }
      int line_number = 0;
      for (absl::string_view line : absl::StrSplit(request_.body(), '\n')) {
        ++line_number;
        if (absl::StripAsciiWhitespace(line).empty()) continue;
        std::unique_ptr<Message> message(prototype->New());
        absl::Status parsed = JsonToMessage(line, message.get());
        if (!parsed.ok()) {
          return BadRequest(absl::StrCat("line ", line_number, ": ", parsed.message()));
        }
        params.requests.push_back(MessageToByteBuffer(*message));
      }
    } else {
      std::unique_ptr<Message> message(prototype->New());
      absl::Status built = BuildRequest(*route, bindings, query, request_.body(), message.get());
      if (!built.ok()) return BadRequest(built.message());
      sse_ = route->method->server_streaming() &&
             absl::StrContains(absl::string_view(request_[http::field::accept].data(),
                                                 request_[http::field::accept].size()),
                               "text/event-stream");
      auto last_event_id = request_.find("Last-Event-ID");
      if (sse_ && last_event_id != request_.end()) {
        // An EventSource reconnecting: resume after the last id it saw.
        const auto* field = message->GetDescriptor()->FindFieldByName("after_sequence");
        int64_t after = 0;
        if (field == nullptr || field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT64 ||
            !absl::SimpleAtoi(absl::string_view(last_event_id->value().data(),
                                                last_event_id->value().size()),
                              &after)) {
          return BadRequest("Last-Event-ID: expected the sequence of the last event received");
        }
        if (message->GetReflection()->GetInt64(*message, field) == 0) {
          message->GetReflection()->SetInt64(message.get(), field, after);
        }
      }
      params.requests.push_back(MessageToByteBuffer(*message));
    }
    for (const char* name : kForwardedHeaders) {
      auto it = request_.find(name);
      if (it == request_.end()) continue;
      absl::string_view value(it->value().data(), it->value().size());
      if (!PrintableAscii(value)) {
        return BadRequest(absl::StrCat("header ", name, ": only printable ASCII is allowed"));
      }
      params.metadata.emplace_back(name, std::string(value));
    }
    auto timeout = request_.find("grpc-timeout");
    if (timeout != request_.end()) {
      absl::Duration d;
      if (!ParseGrpcTimeout(absl::string_view(timeout->value().data(), timeout->value().size()),
                            &d)) {
        return BadRequest("grpc-timeout: expected digits and a unit (H, M, S, m, u, n), e.g. 5S");
      }
      params.deadline = absl::ToChronoTime(absl::Now() + d);
    }
    streaming_ = route->method->server_streaming();
    GrpcCall::Sink sink;
    auto self = shared_from_this();
    sink.on_headers = [self] {
      if (self->streaming_) self->StartStream();
    };
    sink.on_message = [self](grpc::ByteBuffer message) { self->OnMessage(std::move(message)); };
    sink.on_done = [self](grpc::Status status) { self->OnCallDone(status); };
    call_ = GrpcCall::Start(server_->stub.get(), &server_->calls, std::move(params),
                            stream_.get_executor(), std::move(sink));
  }

  std::string ResponseJson(const grpc::ByteBuffer& buffer) {
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(
        route_->method->output_type());
    std::unique_ptr<Message> message(prototype->New());
    message->ParseFromString(ByteBufferToString(buffer));
    if (sse_) {
      const auto* field = message->GetDescriptor()->FindFieldByName("sequence");
      if (field != nullptr && field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_INT64) {
        last_id_ = absl::StrCat(message->GetReflection()->GetInt64(*message, field));
      }
    }
    return MessageToJson(*message);
  }

  void OnMessage(grpc::ByteBuffer buffer) {
    if (closed_) {
      call_->ReadNext();  // drain to the end; the call was cancelled
      return;
    }
    if (!streaming_) {
      response_json_ = ResponseJson(buffer);
      have_response_ = true;
      call_->ReadNext();
      return;
    }
    StartStream();
    std::string json = ResponseJson(buffer);
    std::string event =
        sse_ ? absl::StrCat("id: ", last_id_, "\ndata: ", json, "\n\n") : absl::StrCat(json, "\n");
    QueueWrite(Chunk(event), [self = shared_from_this()] { self->call_->ReadNext(); });
  }

  void OnCallDone(const grpc::Status& status) {
    std::shared_ptr<GrpcCall> call = std::move(call_);
    if (closed_) return;
    if (streaming_ && stream_started_) {
      heartbeat_.cancel();
      std::string tail;
      if (!status.ok()) {
        // The stream began with 200: its failure travels as a last message.
        std::string error = StatusToJson(status);
        tail = sse_ ? absl::StrCat("event: error\ndata: ", error, "\n\n")
                    : absl::StrCat("{\"error\":", error, "}\n");
      }
      keep_alive_ = false;
      QueueWrite(absl::StrCat(tail.empty() ? "" : Chunk(tail), "0\r\n\r\n"),
                 [self = shared_from_this()] { self->Close(); });
      return;
    }
    if (!status.ok()) {
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
        www_authenticate_ = true;
      }
      return SendJson(static_cast<http::status>(HttpStatusForCode(status.error_code())),
                      StatusToJson(status));
    }
    if (streaming_) {  // ended at once, without a message or headers
      StartStream();
      keep_alive_ = false;
      QueueWrite("0\r\n\r\n", [self = shared_from_this()] { self->Close(); });
      return;
    }
    if (!have_response_) {
      return SendError(http::status::internal_server_error, grpc::StatusCode::INTERNAL,
                       "the call ended without a response");
    }
    SendJson(http::status::ok, std::move(response_json_));
  }

  static std::string Chunk(absl::string_view data) {
    char size[20];
    snprintf(size, sizeof(size), "%zx\r\n", data.size());
    return absl::StrCat(size, data, "\r\n");
  }

  // The 200 header of a stream, chunked, written before its first message.
  void StartStream() {
    if (stream_started_) return;
    stream_started_ = true;
    std::string head = absl::StrCat(
        "HTTP/1.1 200 OK\r\nContent-Type: ",
        sse_ ? "text/event-stream" : "application/x-ndjson",
        "\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    QueueWrite(std::move(head), nullptr);
    ArmHeartbeat();
  }

  void ArmHeartbeat() {
    heartbeat_.expires_after(ToSteady(options_.heartbeat));
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_ || self->call_ == nullptr) return;
      if (!self->writing_) self->QueueWrite(Chunk(self->sse_ ? ":\n\n" : "\n"), nullptr);
      self->ArmHeartbeat();
    });
  }

  // Raw writes in order, each within the write timeout; `after` runs once it is written.
  void QueueWrite(std::string data, std::function<void()> after) {
    out_.push_back({std::move(data), std::move(after)});
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    if (out_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    stream_.expires_after(ToSteady(options_.write_timeout));
    net::async_write(stream_, net::buffer(out_.front().data),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->stream_.expires_never();
                       if (ec) return self->Close();
                       std::function<void()> after = std::move(self->out_.front().after);
                       self->out_.pop_front();
                       if (after) after();
                       self->WriteNext();
                     });
  }

  void BadRequest(absl::string_view message) {
    SendError(http::status::bad_request, grpc::StatusCode::INVALID_ARGUMENT, message);
  }

  void SendError(http::status status, grpc::StatusCode code, absl::string_view message,
                 int retry_after_seconds = 0) {
    retry_after_ = retry_after_seconds;
    SendJson(status, StatusToJson(code, message));
  }

  void SendJson(http::status status, std::string body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    res->set(http::field::content_type, "application/json");
    res->set(http::field::cache_control, "no-store");
    if (!allow_.empty()) res->set(http::field::allow, allow_);
    if (www_authenticate_) res->set(http::field::www_authenticate, "Bearer");
    if (retry_after_ > 0) res->set(http::field::retry_after, absl::StrCat(retry_after_));
    res->body() = std::move(body);
    res->body().push_back('\n');
    res->prepare_payload();
    SendResponse(std::move(res));
  }

  void ServeStatic(const std::string& method, absl::string_view path) {
    if (method != "GET" && method != "HEAD") {
      allow_ = "GET, HEAD";
      return SendError(http::status::method_not_allowed, grpc::StatusCode::UNIMPLEMENTED,
                       absl::StrCat(method, " is not allowed on static files"));
    }
    StaticFile file = ResolveStaticFile(options_.dashboard_dir, path);
    if (file.status != 200) {
      return SendError(static_cast<http::status>(file.status),
                       file.status == 404 ? grpc::StatusCode::NOT_FOUND
                                          : grpc::StatusCode::INVALID_ARGUMENT,
                       file.error);
    }
    http::file_body::value_type body;
    beast::error_code ec;
    body.open(file.path.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      return SendError(http::status::not_found, grpc::StatusCode::NOT_FOUND, "not found");
    }
    auto res = std::make_shared<http::response<http::file_body>>(http::status::ok, 11);
    res->set(http::field::content_type, file.content_type);
    res->set(http::field::cache_control, "no-cache");
    res->set("X-Content-Type-Options", "nosniff");
    if (method == "HEAD") {
      res->content_length(body.size());
      auto head = std::make_shared<http::response<http::empty_body>>(http::status::ok, 11);
      head->base() = res->base();
      head->content_length(body.size());
      return SendResponse(std::move(head));
    }
    res->body() = std::move(body);
    res->prepare_payload();
    SendResponse(std::move(res));
  }

  template <class Response>
  void SendResponse(std::shared_ptr<Response> res) {
    res->keep_alive(keep_alive_);
    stream_.expires_after(ToSteady(options_.write_timeout));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      self->stream_.expires_never();
      if (ec || !self->keep_alive_) return self->Close();
      self->Reset();
      self->WaitForRequest();
    });
  }

  void Reset() {
    request_ = {};
    route_ = nullptr;
    allow_.clear();
    www_authenticate_ = false;
    retry_after_ = 0;
    streaming_ = sse_ = stream_started_ = have_response_ = false;
    response_json_.clear();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    heartbeat_.cancel();
    if (call_ != nullptr) call_->Cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  struct Pending {
    std::string data;
    std::function<void()> after;
  };

  beast::tcp_stream stream_;
  HttpServer::Impl* server_;
  const HttpOptions& options_;
  bool over_capacity_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  size_t body_limit_ = 0;
  http::request<http::string_body> request_;
  const HttpRoute* route_ = nullptr;
  std::shared_ptr<GrpcCall> call_;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool streaming_ = false;
  bool sse_ = false;
  bool stream_started_ = false;
  bool have_response_ = false;
  bool writing_ = false;
  bool www_authenticate_ = false;
  int retry_after_ = 0;
  std::string allow_;
  std::string last_id_;
  std::string response_json_;
  std::deque<Pending> out_;
  net::steady_timer heartbeat_;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      // Out of descriptors and the like: keep accepting after a pause rather than spin.
      LogError("http accept failed", {{"error", ec.message()}});
      auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(100));
      timer->async_wait([this, timer](beast::error_code) { Accept(); });
      return;
    }
    bool over = connections.load() >= options.max_connections;
    std::make_shared<Session>(std::move(socket), this, over)->Run();
    Accept();
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpOptions options, const std::vector<std::string>& grpc_paths,
    std::shared_ptr<grpc::Channel> channel) {
  absl::StatusOr<HttpRouter> router = HttpRouter::FromDescriptors(grpc_paths);
  if (!router.ok()) return router.status();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->router = std::move(*router);
  impl->channel = std::move(channel);
  impl->stub = std::make_unique<grpc::GenericStub>(impl->channel);
  beast::error_code ec;
  tcp::endpoint endpoint(net::ip::make_address(impl->options.host, ec),
                         static_cast<uint16_t>(impl->options.port));
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("http host \"", impl->options.host, "\": ", ec.message()));
  }
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", impl->options.host,
                                               ":", impl->options.port, ": ", ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->Accept();
  for (int i = 0; i < std::max(1, impl->options.threads); ++i) {
    impl->threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
  }
  LogInfo("http listening", {{"port", absl::StrCat(impl->port)},
                             {"dashboard_dir", impl->options.dashboard_dir.empty()
                                                   ? "off"
                                                   : impl->options.dashboard_dir}});
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  // No new calls once the threads are gone; then the calls in flight end.
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) t.join();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->calls.CancelAllAndWait();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace lookout::gateway
