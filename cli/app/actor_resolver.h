// Turns the actor names an import uses into actor ids with ResolveActors (create_missing), each
// name asked for once per resolver, up to a thousand names a call whatever their types and
// countries: each entry of the request's `actors` carries the type and country an actor created
// for it gets (a name met with several types is created with the type of the first row that
// named it). A name the actor service refuses is taken out of the call and remembered with the
// reason, so it sinks only the rows that name it.
//
// Thread-safe, for an import whose stages overlap: the reader queues names as rows arrive
// (Request), one resolution thread calls the service for the oldest queued names (ResolveNext),
// and the senders read the answers (Lookup).
#ifndef LOOKOUT_CLI_APP_ACTOR_RESOLVER_H_
#define LOOKOUT_CLI_APP_ACTOR_RESOLVER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "cli/app/api_client.h"
#include "cli/import/parsed_row.h"

namespace lookout::cli {

class ActorResolver {
 public:
  // ResolveActors takes at most this many names a call.
  static constexpr int kMaxNamesPerCall = 1000;
  // Why Lookup found no id when the name matches no actor (and none was created).
  static constexpr char kNoSuchActor[] = "no actor has this name";

  // `client` must outlive the resolver. `names_per_call` (1 to kMaxNamesPerCall) bounds each
  // call; tests lower it to exercise several calls on little data.
  explicit ActorResolver(ApiClient* client, bool create_missing = true,
                         int names_per_call = kMaxNamesPerCall);

  // Kept with each actor the resolver creates (ResolveActorsRequest.reason); set before the
  // first Request.
  void set_reason(std::string reason) { reason_ = std::move(reason); }

  // Queues the names among `refs` not asked for before and returns the ticket to wait for:
  // once resolved_through() has reached it, every name of `refs` has its answer (Lookup). 0
  // when they all have one already.
  uint64_t Request(const std::vector<ActorRef>& refs);
  // Whether names are queued that no call has taken yet.
  bool HasQueued() const;
  // Resolves the oldest queued names in one call (more when the service refuses some), or
  // returns at once when none is queued. A failure of the call itself is returned, and those
  // names go back to the head of the queue.
  absl::Status ResolveNext();
  // Every ticket up to this one has its answer.
  uint64_t resolved_through() const;

  // Request, then ResolveNext until nothing is queued: for callers without a pipeline.
  absl::Status Resolve(const std::vector<ActorRef>& refs);
  absl::Status Resolve(const std::vector<const ActorRef*>& refs);

  // The id for `ref` once its ticket is resolved: its own actor_id, or its name's. Empty, with
  // `why` set, when the name could not be resolved.
  std::string Lookup(const ActorRef& ref, std::string* why) const;

  int64_t created() const;
  int64_t calls() const;

 private:
  struct Queued {
    std::string name;
    lookout::actor::v1::ActorType type;
    std::string country_code;
    uint64_t ticket;
  };
  struct Entry {
    uint64_t ticket = 0;
    bool answered = false;
    std::string id;
    std::string error;  // why `id` is empty once answered
  };

  // Resolves `batch`; a name the service refuses (INVALID_ARGUMENT naming actors[i], or found
  // by halving the batch when the message names no entry) is answered with the reason and the
  // rest asked again.
  absl::Status ResolveIsolating(std::vector<Queued> batch);
  // One call. INVALID_ARGUMENT and other failures are returned as they came.
  grpc::Status Call(const std::vector<Queued>& batch);
  void Answer(const std::string& name, std::string id, std::string error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ApiClient* client_;
  const bool create_missing_;
  std::string reason_;
  const int names_per_call_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> by_name_ ABSL_GUARDED_BY(mu_);
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t last_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t resolved_through_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t created_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_ACTOR_RESOLVER_H_
