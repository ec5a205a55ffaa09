// Imports one file: rows parsed by the format's RowReader, actor names resolved in batches
// (ActorResolver), events streamed through one ImportEvents call that upserts by external id,
// so importing the same file again creates nothing. Every rejected row, whether the parser or
// the server refused it, is reported with its file and line.
#ifndef LOOKOUT_CLI_APP_IMPORTER_H_
#define LOOKOUT_CLI_APP_IMPORTER_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cli/app/actor_resolver.h"
#include "cli/app/api_client.h"
#include "cli/app/progress.h"
#include "cli/import/row_reader.h"

namespace lookout::cli {

struct ImportSettings {
  // Rows per actor-resolution round.
  int batch_size = 500;
  // Rows per ImportEvents stream. A stream refused by a rate limit is sent again after the wait
  // the server asks for (re-sending is harmless: rows are upserted by external id).
  int stream_rows = 5000;
  // Validate on the server and write nothing (actors are looked up, not created).
  bool dry_run = false;
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

class Importer {
 public:
  // `client` and `err` must outlive the importer. Actor names are resolved once per importer.
  Importer(ApiClient* client, ImportSettings settings, std::ostream* err);

  // Imports the rows of `in`, named `label` in messages. A non-OK status means the server or
  // the connection failed part-way (rows sent before may be committed); `tally` holds what
  // was counted until then.
  absl::Status Import(std::istream* in, ImportFormat format, const std::string& label,
                      Progress* progress, ImportTally* tally);

  const ActorResolver& resolver() const { return resolver_; }

 private:
  void Report(const std::string& label, int64_t line, const std::string& message);

  // One ImportEvents stream, written as rows arrive and kept until the server has answered, so
  // that a stream refused by a rate limit can be sent again.
  class Stream;
  // Closes `stream`, retrying it while the server asks the client to slow down, and counts and
  // reports its outcome.
  absl::Status Close(Stream* stream, const std::string& label, ImportTally* tally);

  ApiClient* client_;
  ImportSettings settings_;
  std::ostream* err_;
  ActorResolver resolver_;
  int printed_ = 0;
  int64_t unprinted_ = 0;
  Progress* progress_ = nullptr;  // during Import, to clear the bar before a message
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_IMPORTER_H_
