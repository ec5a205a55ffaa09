// Tells ThreadSanitizer the ordering gRPC promises for every completion-queue tag: what the thread
// that starts a batch (or asks a server for its next call) did before grpc_call_start_batch (or
// grpc_server_request_call) happens before the completion is handled, on whichever thread
// handles it.
//
// Debian's libgrpc is not instrumented, so TSan cannot see how a batch travels from the thread
// that starts it to the gRPC thread that completes it (lock-free queues, the call combiner, the
// poller). gRPC's own header code, compiled into our binaries, then runs on both sides of that
// invisible handoff: a ClientContext our thread allocated is read by RunInterceptors on the thread
// that completes the call's first batch; a callback tag's std::function, set by the reaction that
// calls Finish or StartRead, is read by CallbackWithSuccessTag::Run on the thread that completes
// it; an interceptor factory our thread made before the server started is used by the gRPC
// thread that receives a call. TSan reported these as races although gRPC orders them.
//
// The edge is stated on the completion-queue tag, the one value both ends share:
//   * grpc_call_start_batch, grpc_server_request_call and grpc_server_request_registered_call
//     release the tag, then call libgrpc's function (found with dlsym(RTLD_NEXT));
//   * grpc_completion_queue_next acquires the tag of the event it returns, before the caller
//     (libgrpc++'s callback threads, a server's completion queues) runs the tag.
// The executable defines these, and exports them (tsan_absl_shim.dynlist), so the calls libgrpc++
// makes reach these definitions. The edge is the one gRPC guarantees, nothing more: a race of our
// own, between steps that gRPC does not order, is still reported. Linked only into
// LOOKOUT_SANITIZER=thread executables (tests/sanitizers/CMakeLists.txt).

#include <dlfcn.h>
#include <grpc/grpc.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

namespace {

// The library's definition of a function this file interposes; missing means gRPC's ABI changed:
// stop rather than run a TSan build without the edge.
void* RealGrpc(const char* symbol) {
  void* fn = dlsym(RTLD_NEXT, symbol);
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_grpc_shim: %s not found in libgrpc\n", symbol);
    std::abort();
  }
  return fn;
}

using StartBatchFn = grpc_call_error (*)(grpc_call*, const grpc_op*, size_t, void*, void*);
using NextFn = grpc_event (*)(grpc_completion_queue*, gpr_timespec, void*);
using RequestCallFn = grpc_call_error (*)(grpc_server*, grpc_call**, grpc_call_details*,
                                          grpc_metadata_array*, grpc_completion_queue*,
                                          grpc_completion_queue*, void*);
using RequestRegisteredCallFn = grpc_call_error (*)(grpc_server*, void*, grpc_call**,
                                                    gpr_timespec*, grpc_metadata_array*,
                                                    grpc_byte_buffer**, grpc_completion_queue*,
                                                    grpc_completion_queue*, void*);

}  // namespace

extern "C" {

grpc_call_error grpc_call_start_batch(grpc_call* call, const grpc_op* ops, size_t nops, void* tag,
                                      void* reserved) {
  static const auto real = reinterpret_cast<StartBatchFn>(RealGrpc("grpc_call_start_batch"));
  // Before the batch starts: its completion may run on another thread at once.
  if (tag != nullptr) __tsan_release(tag);
  return real(call, ops, nops, tag, reserved);
}

// A server's request for its next call: the call may arrive, on another thread, at once.
grpc_call_error grpc_server_request_call(grpc_server* server, grpc_call** call,
                                         grpc_call_details* details,
                                         grpc_metadata_array* request_metadata,
                                         grpc_completion_queue* cq_bound_to_call,
                                         grpc_completion_queue* cq_for_notification,
                                         void* tag_new) {
  static const auto real = reinterpret_cast<RequestCallFn>(RealGrpc("grpc_server_request_call"));
  if (tag_new != nullptr) __tsan_release(tag_new);
  return real(server, call, details, request_metadata, cq_bound_to_call, cq_for_notification,
              tag_new);
}

grpc_call_error grpc_server_request_registered_call(
    grpc_server* server, void* registered_method, grpc_call** call, gpr_timespec* deadline,
    grpc_metadata_array* request_metadata, grpc_byte_buffer** optional_payload,
    grpc_completion_queue* cq_bound_to_call, grpc_completion_queue* cq_for_notification,
    void* tag_new) {
  static const auto real = reinterpret_cast<RequestRegisteredCallFn>(
      RealGrpc("grpc_server_request_registered_call"));
  if (tag_new != nullptr) __tsan_release(tag_new);
  return real(server, registered_method, call, deadline, request_metadata, optional_payload,
              cq_bound_to_call, cq_for_notification, tag_new);
}

grpc_event grpc_completion_queue_next(grpc_completion_queue* cq, gpr_timespec deadline,
                                      void* reserved) {
  static const auto real = reinterpret_cast<NextFn>(RealGrpc("grpc_completion_queue_next"));
  grpc_event event = real(cq, deadline, reserved);
  if (event.type == GRPC_OP_COMPLETE && event.tag != nullptr) __tsan_acquire(event.tag);
  return event;
}

}  // extern "C"
