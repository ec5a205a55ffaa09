#include "cli/app/actor_resolver.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/grpc_status.h"

namespace lookout::cli {
namespace {

constexpr absl::string_view kRefused = "refused by the actor service: ";

// The entry an INVALID_ARGUMENT message names ("actors[12].name: must contain a visible
// character" names 12), with the message left after "actors[12]." in `rest`.
std::optional<size_t> RefusedEntry(absl::string_view message, std::string* rest) {
  if (!absl::ConsumePrefix(&message, "actors[")) return std::nullopt;
  const size_t close = message.find(']');
  size_t index = 0;
  if (close == absl::string_view::npos || !absl::SimpleAtoi(message.substr(0, close), &index)) {
    return std::nullopt;
  }
  message.remove_prefix(close + 1);
  absl::ConsumePrefix(&message, ".");
  *rest = std::string(message);
  return index;
}

}  // namespace

ActorResolver::ActorResolver(ApiClient* client, bool create_missing, int names_per_call)
    : client_(client),
      create_missing_(create_missing),
      names_per_call_(std::clamp(names_per_call, 1, kMaxNamesPerCall)) {}

uint64_t ActorResolver::Request(const std::vector<ActorRef>& refs) {
  absl::MutexLock lock(&mu_);
  uint64_t wait_for = 0;
  for (const ActorRef& ref : refs) {
    if (ref.name.empty()) continue;  // an id given as is
    auto [it, inserted] = by_name_.try_emplace(ref.name);
    Entry& entry = it->second;
    if (inserted) {
      entry.ticket = ++last_ticket_;
      queue_.push_back({ref.name, ref.type, ref.country_code, entry.ticket});
    }
    if (!entry.answered) wait_for = std::max(wait_for, entry.ticket);
  }
  return wait_for;
}

bool ActorResolver::HasQueued() const {
  absl::MutexLock lock(&mu_);
  return !queue_.empty();
}

uint64_t ActorResolver::resolved_through() const {
  absl::MutexLock lock(&mu_);
  return resolved_through_;
}

int64_t ActorResolver::created() const {
  absl::MutexLock lock(&mu_);
  return created_;
}

int64_t ActorResolver::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

absl::Status ActorResolver::ResolveNext() {
  std::vector<Queued> batch;
  {
    absl::MutexLock lock(&mu_);
    while (!queue_.empty() && static_cast<int>(batch.size()) < names_per_call_) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  if (batch.empty()) return absl::OkStatus();
  const uint64_t last = batch.back().ticket;
  absl::Status status = ResolveIsolating(batch);
  absl::MutexLock lock(&mu_);
  if (!status.ok()) {
    // Asked again by a later call, in the same order (tickets stay increasing along the queue).
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      Entry& entry = by_name_[it->name];
      if (entry.answered) continue;
      queue_.push_front(std::move(*it));
    }
    return status;
  }
  // Names are taken in ticket order by one caller at a time, so every earlier ticket is done.
  resolved_through_ = std::max(resolved_through_, last);
  return absl::OkStatus();
}

absl::Status ActorResolver::Resolve(const std::vector<ActorRef>& refs) {
  Request(refs);
  while (HasQueued()) {
    absl::Status status = ResolveNext();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status ActorResolver::Resolve(const std::vector<const ActorRef*>& refs) {
  std::vector<ActorRef> copies;
  copies.reserve(refs.size());
  for (const ActorRef* ref : refs) copies.push_back(*ref);
  return Resolve(copies);
}

absl::Status ActorResolver::ResolveIsolating(std::vector<Queued> batch) {
  while (!batch.empty()) {
    grpc::Status status = Call(batch);
    if (status.ok()) return absl::OkStatus();
    if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) return FromGrpcStatus(status);
    std::string reason;
    std::optional<size_t> index = RefusedEntry(status.error_message(), &reason);
    if (index.has_value() && *index < batch.size()) {
      {
        absl::MutexLock lock(&mu_);
        Answer(batch[*index].name, "", absl::StrCat(kRefused, reason));
      }
      batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(*index));
      continue;
    }
    if (batch.size() == 1) {
      absl::MutexLock lock(&mu_);
      Answer(batch[0].name, "", absl::StrCat(kRefused, status.error_message()));
      return absl::OkStatus();
    }
    // The message names no entry: halve the batch until the refused names are alone.
    std::vector<Queued> second(std::make_move_iterator(batch.begin() + batch.size() / 2),
                               std::make_move_iterator(batch.end()));
    batch.resize(batch.size() / 2);
    absl::Status first = ResolveIsolating(std::move(batch));
    if (!first.ok()) return first;
    return ResolveIsolating(std::move(second));
  }
  return absl::OkStatus();
}

grpc::Status ActorResolver::Call(const std::vector<Queued>& batch) {
  actor::v1::ResolveActorsRequest request;
  request.set_create_missing(create_missing_);
  request.set_reason(reason_);
  for (const Queued& queued : batch) {
    actor::v1::ActorToResolve* actor = request.add_actors();
    actor->set_name(queued.name);
    actor->set_type(queued.type);  // UNSPECIFIED: the service's default, OTHER
    actor->set_country_code(queued.country_code);
  }
  actor::v1::ResolveActorsResponse response;
  {
    absl::MutexLock lock(&mu_);
    ++calls_;
  }
  grpc::Status status = client_->Unary([&](grpc::ClientContext* context) {
    return client_->actors()->ResolveActors(context, request, &response);
  });
  if (!status.ok()) return status;
  if (response.resolutions_size() != static_cast<int>(batch.size())) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        absl::StrCat("ResolveActors answered ", response.resolutions_size(),
                                     " names for ", batch.size(),
                                     " asked (an actor service that predates "
                                     "ResolveActorsRequest.actors answers none: upgrade it)"));
  }
  absl::MutexLock lock(&mu_);
  // One resolution per entry, in request order.
  for (size_t i = 0; i < batch.size(); ++i) {
    const actor::v1::Resolution& resolution = response.resolutions(static_cast<int>(i));
    if (resolution.actor_id().empty()) {
      Answer(batch[i].name, "", kNoSuchActor);
      continue;
    }
    if (resolution.match() == actor::v1::RESOLUTION_MATCH_CREATED) ++created_;
    Answer(batch[i].name, resolution.actor_id(), "");
  }
  return grpc::Status::OK;
}

void ActorResolver::Answer(const std::string& name, std::string id, std::string error) {
  Entry& entry = by_name_[name];
  entry.answered = true;
  entry.id = std::move(id);
  entry.error = entry.id.empty() ? std::move(error) : std::string();
}

std::string ActorResolver::Lookup(const ActorRef& ref, std::string* why) const {
  if (ref.name.empty()) return ref.actor_id;
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(ref.name);
  if (it == by_name_.end() || !it->second.answered) {
    *why = "was not resolved";
    return "";
  }
  if (it->second.id.empty()) *why = it->second.error;
  return it->second.id;
}

}  // namespace lookout::cli
