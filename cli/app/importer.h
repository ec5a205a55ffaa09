// Imports files: each file's rows go through the ImportPipeline (parsing, actor resolution and
// ImportEvents streams at once), and every rejected row, whether the parser, the actor service
// or the event service refused it, is reported as FILE:LINE: reason in file order. Events are
// upserted by external id, so importing the same file again creates nothing.
#ifndef LOOKOUT_CLI_APP_IMPORTER_H_
#define LOOKOUT_CLI_APP_IMPORTER_H_

#include <istream>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "cli/app/actor_resolver.h"
#include "cli/app/api_client.h"
#include "cli/app/import_pipeline.h"
#include "cli/app/progress.h"
#include "cli/import/row_reader.h"

namespace lookout::cli {

class Importer {
 public:
  // `client` and `err` must outlive the importer. Actor names are resolved once per importer,
  // however many files it imports.
  Importer(ApiClient* client, ImportSettings settings, std::ostream* err);

  // Imports the rows of `in`, named `label` in messages. A non-OK status means the server or
  // the connection failed part-way (rows sent before may be committed); `tally` holds what
  // was counted until then.
  absl::Status Import(std::istream* in, ImportFormat format, const std::string& label,
                      Progress* progress, ImportTally* tally);

  const ActorResolver& resolver() const { return resolver_; }

 private:
  ApiClient* client_;
  ImportSettings settings_;
  std::ostream* err_;
  ActorResolver resolver_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_IMPORTER_H_
