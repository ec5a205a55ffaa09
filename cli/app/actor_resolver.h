// Turns the actor names an import file uses into actor ids with ResolveActors (create_missing),
// a thousand names a call, each name asked for once per run. Names that arrive with different
// types are created with the type of their first row (ResolveActors takes one default type per
// call, so names are grouped by type and country).
#ifndef LOOKOUT_CLI_APP_ACTOR_RESOLVER_H_
#define LOOKOUT_CLI_APP_ACTOR_RESOLVER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "cli/app/api_client.h"
#include "cli/import/parsed_row.h"

namespace lookout::cli {

class ActorResolver {
 public:
  // `client` must outlive the resolver.
  explicit ActorResolver(ApiClient* client, bool create_missing = true)
      : client_(client), create_missing_(create_missing) {}

  // Resolves the names among `refs` not seen before. A name the actor service refuses is
  // remembered with the reason (see Lookup); a failure of the call itself is returned.
  absl::Status Resolve(const std::vector<const ActorRef*>& refs);

  // The id for `ref` after Resolve: its own actor_id, or the resolved name's. Empty, with
  // `why` set, when the name could not be resolved.
  std::string Lookup(const ActorRef& ref, std::string* why) const;

  int64_t created() const { return created_; }
  int64_t calls() const { return calls_; }

 private:
  struct Entry {
    std::string id;
    std::string error;
  };
  // One ResolveActors call for names sharing a type and country; on INVALID_ARGUMENT the names
  // are asked for one by one so a single bad name does not sink the others.
  absl::Status ResolveGroup(const std::vector<std::string>& names,
                            lookout::actor::v1::ActorType type, const std::string& country);
  absl::Status Call(const std::vector<std::string>& names, lookout::actor::v1::ActorType type,
                    const std::string& country, bool isolate_failures);

  ApiClient* client_;
  bool create_missing_;
  absl::flat_hash_map<std::string, Entry> by_name_;
  int64_t created_ = 0;
  int64_t calls_ = 0;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_ACTOR_RESOLVER_H_
