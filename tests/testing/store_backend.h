// The storage backends every store and service test runs against: the same test body, once on
// an SQLite file and once on a fresh database of a real PostgreSQL server. A behaviour that
// differs between them is a bug.
//
//   class FooTest : public ::testing::TestWithParam<StoreBackend> { ... };
//   INSTANTIATE_TEST_SUITE_P(Backends, FooTest, AllStoreBackends(), StoreBackendName);
#ifndef LOOKOUT_TESTS_TESTING_STORE_BACKEND_H_
#define LOOKOUT_TESTS_TESTING_STORE_BACKEND_H_

#include <string>
#include <vector>

#include "common/store_location.h"
#include "gtest/gtest.h"

namespace lookout::testing {

enum class StoreBackend { kSqlite, kPostgres };

inline auto AllStoreBackends() {
  return ::testing::Values(StoreBackend::kSqlite, StoreBackend::kPostgres);
}

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info);

// A store location for one test: `sqlite_path` for SQLite, a fresh PostgreSQL database (see
// NewTestDatabase) with the service's `schema` for PostgreSQL.
StoreLocation TestStoreLocation(StoreBackend backend, const std::string& sqlite_path,
                                const std::string& schema);

// The same PostgreSQL database again (a second replica, or a restart), for `schema`.
StoreLocation SameDatabase(const StoreLocation& location, const std::string& schema);

// The command-line flags that point a service binary at `location` ("--data_dir=DIR" is the
// caller's; this gives "--database_url=..." for PostgreSQL and nothing for SQLite).
std::vector<std::string> StoreFlags(const StoreLocation& location);

}  // namespace lookout::testing

#endif  // LOOKOUT_TESTS_TESTING_STORE_BACKEND_H_
