// ActorStore on PostgreSQL: several replicas may share one database. Readers run in a read-only
// REPEATABLE READ transaction (one snapshot); writers in a READ COMMITTED transaction of
// pg::Pool, which the domain's checks make as strict as SQLite's single writer:
// - uniqueness (a name key, a request id) is a unique index, and the loser of a race fails with
//   23505 and runs again (Pool::Transaction), so ActorManager's check then sees the winner;
// - GetActor inside a writer locks the row (FOR NO KEY UPDATE) until commit, so an etag check,
//   a parent's existence or an actor's children cannot change between the check and the write;
// - GetRequest inside a writer holds the request id (an advisory lock) until commit, so two
//   writes with one request id run one after the other and the second returns the first's result.
#ifndef LOOKOUT_SERVICES_ACTOR_POSTGRES_ACTOR_STORE_H_
#define LOOKOUT_SERVICES_ACTOR_POSTGRES_ACTOR_STORE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "common/pg_pool.h"
#include "services/actor/actor_store.h"

namespace lookout::actor {

class PostgresActorStore final : public ActorStore {
 public:
  // Connects, applies the migrations the database lacks, and loads the page-token secret (the
  // first replica to start creates it). UNAVAILABLE when the database cannot be reached.
  static absl::StatusOr<std::unique_ptr<PostgresActorStore>> Open(pg::PoolOptions options);

  absl::Status Read(absl::FunctionRef<absl::Status(Reader&)> fn) override;
  absl::Status Write(absl::FunctionRef<absl::Status(Writer&)> fn) override;
  const std::string& page_token_secret() const override { return page_token_secret_; }

 private:
  explicit PostgresActorStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  std::unique_ptr<pg::Pool> pool_;
  std::string page_token_secret_;
};

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_POSTGRES_ACTOR_STORE_H_
