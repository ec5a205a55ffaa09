#include "services/gateway/http/grpc_call.h"

#include <boost/asio/post.hpp>

namespace lookout::gateway {

std::shared_ptr<GrpcCall> GrpcCall::Start(grpc::GenericStub* stub, GrpcCallRegistry* registry,
                                          Params params, boost::asio::any_io_executor executor,
                                          Sink sink) {
  std::shared_ptr<GrpcCall> call(
      new GrpcCall(registry, std::move(params), std::move(executor), std::move(sink)));
  call->self_ = call;
  for (const auto& [key, value] : call->params_.metadata) call->context_.AddMetadata(key, value);
  if (call->params_.deadline != std::chrono::system_clock::time_point::max()) {
    call->context_.set_deadline(call->params_.deadline);
  }
  registry->Add(call);
  stub->PrepareBidiStreamingCall(&call->context_, call->params_.path, grpc::StubOptions(),
                                 call.get());
  // Held until the connection has read the end of the stream (ReadNext after the last message),
  // so OnDone never runs while a message still waits to be handled.
  call->AddHold();
  call->WriteNext();
  call->StartRead(&call->response_);
  call->StartCall();
  return call;
}

void GrpcCall::WriteNext() {
  if (next_write_ >= params_.requests.size()) {
    StartWritesDone();
    return;
  }
  StartWrite(&params_.requests[next_write_++]);
}

void GrpcCall::OnWriteDone(bool ok) {
  if (ok) WriteNext();  // otherwise the call is over: its status says why
}

void GrpcCall::OnReadInitialMetadataDone(bool ok) {
  if (!ok) return;
  boost::asio::post(executor_, [sink = sink_.on_headers] { sink(); });
}

void GrpcCall::ReadNext() {
  if (!read_pending_.exchange(true)) StartRead(&response_);
}

void GrpcCall::Cancel() {
  cancelled_ = true;
  context_.TryCancel();
  ReadNext();
}

void GrpcCall::OnReadDone(bool ok) {
  if (!ok) {
    RemoveHold();  // read_pending_ stays true: the stream is over
    return;
  }
  grpc::ByteBuffer message;
  message.Swap(&response_);
  read_pending_ = false;
  if (cancelled_) {
    ReadNext();
    return;
  }
  boost::asio::post(executor_, [sink = sink_.on_message, message = std::move(message)]() mutable {
    sink(std::move(message));
  });
}

void GrpcCall::OnDone(const grpc::Status& status) {
  boost::asio::post(executor_, [sink = sink_.on_done, status] { sink(status); });
  registry_->Remove(this);
  self_.reset();  // may destroy this
}

void GrpcCallRegistry::Add(const std::shared_ptr<GrpcCall>& call) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.emplace(call.get(), call);
}

void GrpcCallRegistry::Remove(GrpcCall* call) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.erase(call);
  if (calls_.empty()) done_.notify_all();
}

void GrpcCallRegistry::CancelAllAndWait() {
  std::vector<std::shared_ptr<GrpcCall>> calls;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [raw, weak] : calls_) {
      if (std::shared_ptr<GrpcCall> call = weak.lock()) calls.push_back(std::move(call));
    }
  }
  // Outside the lock: a cancelled call may finish (and Remove itself) inline.
  for (const auto& call : calls) call->Cancel();
  calls.clear();
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [this] { return calls_.empty(); });
}

}  // namespace lookout::gateway
