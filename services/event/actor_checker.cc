#include "services/event/actor_checker.h"

#include <grpcpp/client_context.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/errors.h"
#include "common/redis_cache.h"

namespace lookout::event {
namespace {

// BatchGetActors' own limit.
constexpr size_t kMaxIdsPerCall = 1000;

}  // namespace

std::string ActorExistsKey(absl::string_view actor_id) {
  return absl::StrCat("lookout:v1:actor-exists:", actor_id);
}

std::vector<std::string> ParticipantActorIds(const v1::Event& event) {
  std::vector<std::string> ids;
  ids.reserve(event.participants_size());
  for (const v1::Participant& p : event.participants()) ids.push_back(p.actor_id());
  return ids;
}

absl::Status MissingActorError(const v1::Event& event,
                               const absl::flat_hash_set<std::string>& missing,
                               absl::string_view prefix) {
  for (int i = 0; i < event.participants_size(); ++i) {
    const std::string& id = event.participants(i).actor_id();
    if (missing.contains(id)) {
      return errors::InvalidField(absl::StrCat(prefix, ".participants[", i, "].actor_id"),
                                  absl::StrCat("actor \"", id, "\" does not exist"));
    }
  }
  return absl::OkStatus();
}

GrpcActorChecker::GrpcActorChecker(std::shared_ptr<grpc::Channel> channel, RedisCache* redis,
                                   ActorCheckerOptions options)
    : stub_(lookout::actor::v1::ActorService::NewStub(std::move(channel))),
      redis_(redis),
      options_(std::move(options)) {}

absl::StatusOr<absl::flat_hash_set<std::string>> GrpcActorChecker::FindMissing(
    const std::vector<std::string>& ids, const grpc::ServerContext* serving) {
  std::vector<std::string> unknown = ids;
  std::sort(unknown.begin(), unknown.end());
  unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
  DropLocallyKnown(unknown);
  DropKnownInRedis(unknown);

  absl::flat_hash_set<std::string> missing;
  std::vector<std::string> found;
  for (size_t start = 0; start < unknown.size(); start += kMaxIdsPerCall) {
    std::vector<std::string> chunk(
        unknown.begin() + start,
        unknown.begin() + std::min(unknown.size(), start + kMaxIdsPerCall));
    absl::StatusOr<std::vector<std::string>> chunk_missing =
        AskActorService(chunk, serving, &found);
    if (!chunk_missing.ok()) return chunk_missing.status();
    missing.insert(chunk_missing->begin(), chunk_missing->end());
  }
  Remember(found);
  return missing;
}

void GrpcActorChecker::DropLocallyKnown(std::vector<std::string>& ids) {
  const absl::Time now = options_.clock();
  absl::MutexLock lock(&mu_);
  ids.erase(std::remove_if(ids.begin(), ids.end(),
                           [&](const std::string& id) {
                             auto it = known_.find(id);
                             return it != known_.end() && it->second > now;
                           }),
            ids.end());
}

void GrpcActorChecker::DropKnownInRedis(std::vector<std::string>& ids) {
  if (redis_ == nullptr || ids.empty()) return;
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const std::string& id : ids) keys.push_back(ActorExistsKey(id));
  auto values = redis_->MGet(keys);
  // Redis down or backing off: the actor service answers for everything.
  if (!values.ok() || values->size() != ids.size()) return;
  std::vector<std::string> still_unknown;
  std::vector<std::string> hits;
  for (size_t i = 0; i < ids.size(); ++i) {
    if ((*values)[i].has_value()) {
      hits.push_back(ids[i]);
    } else {
      still_unknown.push_back(ids[i]);
    }
  }
  ids = std::move(still_unknown);
  // Hits warm the local map too, without extending their life in Redis.
  const absl::Time expiry = options_.clock() + options_.local_ttl;
  absl::MutexLock lock(&mu_);
  for (const std::string& id : hits) known_[id] = expiry;
}

void GrpcActorChecker::Remember(const std::vector<std::string>& existing) {
  if (existing.empty()) return;
  const absl::Time now = options_.clock();
  {
    absl::MutexLock lock(&mu_);
    // Bounded: drop the expired entries when full, everything if that is not enough.
    if (known_.size() + existing.size() > options_.local_capacity) {
      absl::erase_if(known_, [&](const auto& entry) { return entry.second <= now; });
      if (known_.size() + existing.size() > options_.local_capacity) known_.clear();
    }
    for (const std::string& id : existing) known_[id] = now + options_.local_ttl;
  }
  if (redis_ == nullptr) return;
  for (const std::string& id : existing) {
    // A failure starts Redis' back-off, which makes the remaining Sets return at once.
    redis_->Set(ActorExistsKey(id), "1", JitteredTtl(options_.redis_ttl)).IgnoreError();
  }
}

absl::StatusOr<std::vector<std::string>> GrpcActorChecker::AskActorService(
    const std::vector<std::string>& ids, const grpc::ServerContext* serving,
    std::vector<std::string>* found) {
  lookout::actor::v1::BatchGetActorsRequest request;
  for (const std::string& id : ids) request.add_ids(id);
  lookout::actor::v1::BatchGetActorsResponse response;
  grpc::ClientContext context;
  PrepareClientContext(&context, options_.internal_token, options_.timeout, serving);
  grpc::Status status = stub_->BatchGetActors(&context, request, &response);
  if (!status.ok()) {
    // Whatever went wrong over there, the caller's input was not judged: it is a dependency
    // failure, and retrying later is the right reaction.
    return errors::DependencyUnavailable(
        "actor service",
        absl::StrCat("BatchGetActors failed (",
                     absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                     "): ", status.error_message()));
  }
  for (const auto& actor : response.actors()) found->push_back(actor.id());
  return std::vector<std::string>(response.missing_ids().begin(), response.missing_ids().end());
}

}  // namespace lookout::event
