// One ImportEvents stream of an import: rows are written as they arrive and kept until the
// server has answered, so that a stream refused by a rate limit (RESOURCE_EXHAUSTED) can be
// sent again after the wait the server asks for; re-sending is harmless because rows are
// upserted by external id. Each row remembers its place in the file so the server's answer,
// which names rows by their index in the stream, can be told by line.
#ifndef LOOKOUT_CLI_APP_IMPORT_STREAM_H_
#define LOOKOUT_CLI_APP_IMPORT_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cli/app/api_client.h"
#include "lookout/event/v1/event_service.grpc.pb.h"

namespace lookout::cli {

class ImportStream {
 public:
  // Opens the stream. `client` must outlive it.
  ImportStream(ApiClient* client, bool dry_run, absl::Duration timeout);

  // The reason sent with the stream's options (before the first Add).
  void set_reason(std::string reason) { reason_ = std::move(reason); }

  // Writes `event` as the next row; `seq` is the row's place in the import.
  void Add(lookout::event::v1::Event event, int64_t seq);

  // Ends the stream and waits for the answer, sending every row again on a new stream for as
  // long as the server asks the client to slow down (at most ApiClient::kMaxRateLimitWait).
  grpc::Status Close();

  // Ends the call from another thread (the import failed elsewhere); Close then returns
  // CANCELLED and nothing is sent again.
  void Cancel();

  int size() const { return static_cast<int>(requests_.size()); }
  const lookout::event::v1::ImportEventsResponse& response() const { return response_; }
  // The `seq` of the stream's row `index`, -1 when out of range.
  int64_t SeqOf(int64_t index) const;
  const std::vector<int64_t>& seqs() const { return seqs_; }

 private:
  // A new call; false when the stream was cancelled.
  bool Open();
  grpc::Status Finish();

  ApiClient* client_;
  const bool dry_run_;
  const absl::Duration timeout_;
  std::string reason_;
  absl::Mutex mu_;  // Cancel against Open, which replaces the context
  std::unique_ptr<grpc::ClientContext> context_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  lookout::event::v1::ImportEventsResponse response_;
  std::unique_ptr<grpc::ClientWriter<lookout::event::v1::ImportEventsRequest>> writer_;
  bool writable_ = false;
  std::vector<lookout::event::v1::ImportEventsRequest> requests_;
  std::vector<int64_t> seqs_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_IMPORT_STREAM_H_
