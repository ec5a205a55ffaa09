// One gRPC call made for an HTTP request, through the gateway's own server (an in-process channel),
// so keys, roles, rate limits, deadlines, retries and forwarding are exactly the gRPC ones. Every
// call kind goes as a generic bidi stream on the wire, which is the same bytes as unary or
// one-sided streaming. Events are posted to the HTTP connection's executor; a new response
// message is read only when the connection asks (ReadNext), so a slow HTTP client slows the call
// down instead of filling memory.
#ifndef LOOKOUT_SERVICES_GATEWAY_HTTP_GRPC_CALL_H_
#define LOOKOUT_SERVICES_GATEWAY_HTTP_GRPC_CALL_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lookout::gateway {

class GrpcCallRegistry;

class GrpcCall : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  // Each runs on the executor, in the order the events happened.
  struct Sink {
    std::function<void()> on_headers;  // response headers arrived (before any message)
    std::function<void(grpc::ByteBuffer)> on_message;
    std::function<void(grpc::Status)> on_done;  // last; nothing follows
  };
  struct Params {
    std::string path;  // "/lookout.event.v1.EventService/GetEvent"
    std::vector<std::pair<std::string, std::string>> metadata;
    std::chrono::system_clock::time_point deadline;  // max() for none
    std::vector<grpc::ByteBuffer> requests;          // sent in order, then half-close
  };

  static std::shared_ptr<GrpcCall> Start(grpc::GenericStub* stub, GrpcCallRegistry* registry,
                                         Params params, boost::asio::any_io_executor executor,
                                         Sink sink);

  // Reads the next response message (after the previous one was handled).
  void ReadNext();
  // Ends the call (the HTTP client went away, the listener stops); on_done still follows, and
  // messages still arriving are dropped, so the call ends even if nobody asks for them.
  void Cancel();

  void OnReadInitialMetadataDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  GrpcCall(GrpcCallRegistry* registry, Params params, boost::asio::any_io_executor executor,
           Sink sink)
      : registry_(registry),
        params_(std::move(params)),
        executor_(std::move(executor)),
        sink_(std::move(sink)) {}
  void WriteNext();

  GrpcCallRegistry* registry_;
  Params params_;
  boost::asio::any_io_executor executor_;
  Sink sink_;
  grpc::ClientContext context_;
  size_t next_write_ = 0;
  grpc::ByteBuffer response_;
  // A read is outstanding (or the stream is over): guards against a second StartRead.
  std::atomic<bool> read_pending_{true};
  std::atomic<bool> cancelled_{false};
  std::shared_ptr<GrpcCall> self_;  // until OnDone
};

// The calls in flight, so a stopping listener can cancel them and wait for their end.
class GrpcCallRegistry {
 public:
  void Add(const std::shared_ptr<GrpcCall>& call);
  void Remove(GrpcCall* call);
  // Cancels every call and waits until all have ended.
  void CancelAllAndWait();

 private:
  std::mutex mu_;
  std::condition_variable done_;
  std::map<GrpcCall*, std::weak_ptr<GrpcCall>> calls_;
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_HTTP_GRPC_CALL_H_
