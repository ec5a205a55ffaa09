#include "tests/testing/store_backend.h"

#include "tests/testing/postgres_server.h"

namespace lookout::testing {

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "Sqlite" : "Postgres";
}

StoreLocation TestStoreLocation(StoreBackend backend, const std::string& sqlite_path,
                                const std::string& schema) {
  StoreLocation location;
  location.sqlite_path = sqlite_path;
  if (backend == StoreBackend::kPostgres) {
    pg::PoolOptions options;
    options.conninfo = NewTestDatabase();
    options.schema = schema;
    options.size = 8;
    options.application_name = "lookout-test";
    location.postgres = options;
  }
  return location;
}

StoreLocation SameDatabase(const StoreLocation& location, const std::string& schema) {
  StoreLocation same = location;
  if (same.postgres.has_value()) same.postgres->schema = schema;
  return same;
}

std::vector<std::string> StoreFlags(const StoreLocation& location) {
  if (!location.postgres.has_value()) return {};
  return {"--database_url=" + location.postgres->conninfo};
}

}  // namespace lookout::testing
