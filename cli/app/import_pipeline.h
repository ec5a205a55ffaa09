// The path every import takes (each file format, and the events of a dataset): three stages
// that run at once, joined by queues.
//
//   reader    one thread: rows from the RowReader, each given its place (seq) in the input;
//             a row whose actor names all have their ids goes straight on, the others wait,
//             each only for the resolution of its own names.
//   resolver  one thread: the names queued by the reader, up to a thousand a ResolveActors call
//             (ActorResolver).
//   senders   `parallel` threads, each with its own ImportEvents stream of up to `stream_rows`
//             rows; a stream is closed early when the reader must wait for the oldest rows to
//             finish, when no row has come for `idle_close`, and at the end.
//
// Outcomes come back in any order; the calling thread hands them on in input order (a reorder
// buffer), so rejections are reported by line, in file order, however many streams run. The
// rows between the oldest unfinished row and the newest read are bounded, which bounds memory
// and every queue.
#ifndef LOOKOUT_CLI_APP_IMPORT_PIPELINE_H_
#define LOOKOUT_CLI_APP_IMPORT_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cli/app/actor_resolver.h"
#include "cli/app/api_client.h"
#include "cli/import/row_reader.h"

namespace lookout::cli {

struct ImportSettings {
  // ImportEvents streams open at once. One stream is sequential on the server (it receives,
  // then commits, each batch in turn); four kept a two-core machine's store busiest, with no
  // loss against two on PostgreSQL.
  int parallel = 4;
  // Rows per ImportEvents stream. A stream refused by a rate limit is sent again after the wait
  // the server asks for (re-sending is harmless: rows are upserted by external id).
  int stream_rows = 5000;
  // A stream that has waited this long for its next row (a slow pipe on stdin) is closed, so
  // its rows' outcomes are reported instead of waiting for rows that may be long in coming.
  absl::Duration idle_close = absl::Seconds(1);
  // Validate on the server and write nothing (actors are looked up, not created).
  bool dry_run = false;
  // Kept with every change the import makes (ImportOptions.reason).
  std::string reason;
  ReaderOptions reader;
  // Deadline of each ImportEvents stream.
  absl::Duration stream_timeout = absl::Hours(6);
  // Rejections printed per file; the rest are only counted.
  int max_printed_rejections = 200;
};

struct ImportTally {
  int64_t read = 0;
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;
  // The file could not be read at all (a bad header).
  bool file_failed = false;

  ImportTally& operator+=(const ImportTally& other);
};

// A row that was not imported, or (fatal) the reason nothing of the input could be read.
struct Rejection {
  int64_t line = 0;
  std::string message;
  bool fatal = false;
};

class ImportPipeline {
 public:
  // Called on the thread that runs the pipeline, in input order. The server lists at most the
  // first 1000 rejections of a stream: rows beyond that are counted in the tally's `rejected`
  // but not handed on.
  using RejectionSink = std::function<void(const Rejection&)>;
  // Rows sent to the server or rejected so far (on the running thread, every few dozen
  // milliseconds).
  using ProgressSink = std::function<void(int64_t rows_handled)>;

  // `client` and `resolver` must outlive the pipeline.
  ImportPipeline(ApiClient* client, ActorResolver* resolver, const ImportSettings& settings);

  // Imports every row of `reader`. A non-OK status means the server or the connection failed
  // part-way (rows sent before may be committed); `tally` holds what was counted until then.
  absl::Status Run(RowReader* reader, const RejectionSink& on_rejection,
                   const ProgressSink& on_progress, ImportTally* tally);

 private:
  ApiClient* client_;
  ActorResolver* resolver_;
  ImportSettings settings_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_IMPORT_PIPELINE_H_
