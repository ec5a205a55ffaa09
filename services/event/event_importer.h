// ImportEvents: a stream of rows, each validated and written on its own merits. Rows are
// gathered into batches (one actor lookup and one durable commit per batch, for throughput);
// a bad row is reported with its index and field and does not disturb the others: a batch in
// which the store refuses a row is undone and written again with every row in a savepoint of
// its own.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_IMPORTER_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_IMPORTER_H_

#include <grpcpp/server_context.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/event/actor_checker.h"
#include "services/event/event_cache.h"
#include "services/event/event_store.h"

namespace lookout::event {

inline constexpr int kImportBatchSize = 500;
inline constexpr int kMaxImportErrors = 1000;

class EventImporter {
 public:
  // `cache` may be null. All must outlive the importer and its sessions.
  EventImporter(EventStore* store, ActorChecker* actors, EventCache* cache,
                std::function<absl::Time()> clock = absl::Now, int batch_size = kImportBatchSize);

  // One import stream.
  class Session {
   public:
    // A row; null when a message carried no event (rejected as a row without one).
    // Fails only when the import cannot go on (actor service or storage unavailable); rows
    // committed before stay committed.
    absl::Status Add(const v1::Event* row);
    // Writes what is left and returns the tally.
    absl::StatusOr<v1::ImportEventsResponse> Finish();

   private:
    friend class EventImporter;
    Session(EventImporter* importer, v1::ImportOptions options, const grpc::ServerContext* serving)
        : importer_(importer), options_(std::move(options)), serving_(serving) {}

    struct Row {
      int64_t index = 0;
      v1::Event payload;
      // Why the row is rejected; OK while it is still on its way to the store.
      absl::Status error;
    };
    enum class Outcome { kRejected, kCreated, kUpdated, kUnchanged };

    absl::Status Flush();
    absl::Status WriteRow(EventTransaction& tx, const Row& row, absl::Time now, Outcome* outcome,
                          std::string* updated_id);
    void Reject(int64_t index, const absl::Status& status);

    EventImporter* importer_;
    v1::ImportOptions options_;
    const grpc::ServerContext* serving_;
    std::vector<Row> pending_;
    v1::ImportEventsResponse response_;
  };

  // `options` come from the first message of the stream.
  Session Start(const v1::ImportOptions& options, const grpc::ServerContext* serving = nullptr);

 private:
  EventStore* const store_;
  ActorChecker* const actors_;
  EventCache* const cache_;
  const std::function<absl::Time()> clock_;
  const int batch_size_;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_IMPORTER_H_
