// ActorStore on a SQLite file: one writer with group commit, pooled readers (common/sqlite_db.h).
#ifndef LOOKOUT_SERVICES_ACTOR_SQLITE_ACTOR_STORE_H_
#define LOOKOUT_SERVICES_ACTOR_SQLITE_ACTOR_STORE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/sqlite_db.h"
#include "services/actor/actor_store.h"

namespace lookout::actor {

class SqliteActorStore final : public ActorStore {
 public:
  // Opens or creates the database at `path`, migrates it, and creates the page-token secret on
  // first open.
  static absl::StatusOr<std::unique_ptr<SqliteActorStore>> Open(const std::string& path);

  // The schema, oldest first. Append new versions; never edit a released one.
  static const std::vector<Migration>& Migrations();
  // Every statement with a WHERE clause the store prepares, by name, so a test can check that
  // each one's query plan uses the index meant for it.
  static std::vector<std::pair<std::string, std::string>> Queries();

  absl::Status Read(absl::FunctionRef<absl::Status(Reader&)> fn) override;
  absl::Status Write(absl::FunctionRef<absl::Status(Writer&)> fn) override;
  const std::string& page_token_secret() const override { return page_token_secret_; }

 private:
  explicit SqliteActorStore(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}

  std::unique_ptr<SqliteDatabase> db_;
  std::string page_token_secret_;
};

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_SQLITE_ACTOR_STORE_H_
