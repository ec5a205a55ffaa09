// Checks that actor ids exist, asking ActorService.BatchGetActors over one shared channel.
//
// Only positive answers are cached, and only briefly: in Redis (shared by every event replica,
// "lookout:v1:actor-exists:<id>", ~60 s with jitter) and in a small in-process map (~5 s). A
// missing actor is always asked again, so an actor created a moment ago is accepted at once;
// an actor deleted meanwhile may still be accepted for at most the cache lifetime (actors are
// rarely deleted, and never while events still need them in normal operation). When Redis is
// down the actor service answers alone: slower, still correct.
#ifndef LOOKOUT_SERVICES_EVENT_ACTOR_CHECKER_H_
#define LOOKOUT_SERVICES_EVENT_ACTOR_CHECKER_H_

#include <grpcpp/channel.h>
#include <grpcpp/server_context.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout {
class RedisCache;
}

namespace lookout::event {

class ActorChecker {
 public:
  virtual ~ActorChecker() = default;
  // The ids among `ids` that do not exist. UNAVAILABLE when the actor service cannot answer.
  // `serving` (may be null) is the call being served: its deadline bounds ours and its
  // request id and principal travel on.
  virtual absl::StatusOr<absl::flat_hash_set<std::string>> FindMissing(
      const std::vector<std::string>& ids, const grpc::ServerContext* serving) = 0;
};

struct ActorCheckerOptions {
  std::string internal_token;
  absl::Duration timeout = absl::Seconds(2);
  absl::Duration redis_ttl = absl::Seconds(60);
  absl::Duration local_ttl = absl::Seconds(5);
  size_t local_capacity = 10000;
  std::function<absl::Time()> clock = absl::Now;
};

// The key under which the existence of an actor is cached in Redis.
std::string ActorExistsKey(absl::string_view actor_id);

// The actor ids an event's participants name (with repeats).
std::vector<std::string> ParticipantActorIds(const lookout::event::v1::Event& event);

// OK, or INVALID_ARGUMENT naming the first participant whose actor is in `missing`:
// "event.participants[2].actor_id: actor \"act_x\" does not exist".
absl::Status MissingActorError(const lookout::event::v1::Event& event,
                               const absl::flat_hash_set<std::string>& missing,
                               absl::string_view prefix = "event");

class GrpcActorChecker : public ActorChecker {
 public:
  // `redis` may be null (no shared cache); when set it must outlive the checker.
  GrpcActorChecker(std::shared_ptr<grpc::Channel> channel, RedisCache* redis,
                   ActorCheckerOptions options);

  absl::StatusOr<absl::flat_hash_set<std::string>> FindMissing(
      const std::vector<std::string>& ids, const grpc::ServerContext* serving) override;

 private:
  // Removes from `ids` those a cache knows to exist.
  void DropLocallyKnown(std::vector<std::string>& ids);
  void DropKnownInRedis(std::vector<std::string>& ids);
  void Remember(const std::vector<std::string>& existing);
  // Asks the actor service about at most 1000 ids; returns the missing ones and appends the
  // found ones to `found`.
  absl::StatusOr<std::vector<std::string>> AskActorService(const std::vector<std::string>& ids,
                                                           const grpc::ServerContext* serving,
                                                           std::vector<std::string>* found);

  std::unique_ptr<lookout::actor::v1::ActorService::Stub> stub_;
  RedisCache* redis_;
  ActorCheckerOptions options_;

  absl::Mutex mu_;
  // Actor id -> when the knowledge that it exists expires.
  absl::flat_hash_map<std::string, absl::Time> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_ACTOR_CHECKER_H_
