#include "tests/testing/store_copy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/pg_connection.h"

namespace lookout::testing {
namespace {

// The test URLs end in "/DATABASE" (see NewTestDatabase).
std::string DatabaseName(const std::string& url) { return url.substr(url.rfind('/') + 1); }

// Runs `statements` one by one (DROP and CREATE DATABASE refuse to share a query string) on the
// server's maintenance database, where the test's own can be dropped.
void RunAsAdmin(const std::string& url, const std::vector<std::string>& statements) {
  const std::string admin = url.substr(0, url.rfind('/') + 1) + "postgres";
  auto connection = pg::Connection::Open(admin, {}, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(connection.ok()) << connection.status();
  for (const std::string& sql : statements) {
    absl::Status status = (*connection)->ExecScript(sql, absl::Now() + absl::Seconds(30));
    ASSERT_TRUE(status.ok()) << sql << ": " << status;
  }
}

void RemoveSqliteFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

}  // namespace

StoreLocation CopyLocation(const StoreLocation& location, const std::string& sqlite_path,
                           const std::string& suffix) {
  StoreLocation copy = location;
  copy.sqlite_path = sqlite_path;
  if (copy.postgres.has_value()) copy.postgres->conninfo += suffix;
  return copy;
}

void CopyStore(const StoreLocation& from, const StoreLocation& to) {
  if (!from.postgres.has_value()) {
    ASSERT_FALSE(std::filesystem::exists(from.sqlite_path + "-wal")) << "the store is open";
    RemoveSqliteFiles(to.sqlite_path);
    std::filesystem::copy_file(from.sqlite_path, to.sqlite_path);
    return;
  }
  ASSERT_TRUE(to.postgres.has_value());
  // TEMPLATE copies the database's files: it refuses while anyone is connected to `from`.
  const std::string to_name = DatabaseName(to.postgres->conninfo);
  RunAsAdmin(from.postgres->conninfo,
             {absl::StrCat("DROP DATABASE IF EXISTS ", to_name, " WITH (FORCE)"),
              absl::StrCat("CREATE DATABASE ", to_name, " TEMPLATE ",
                           DatabaseName(from.postgres->conninfo))});
}

void RecreateStore(const StoreLocation& location) {
  if (!location.postgres.has_value()) {
    RemoveSqliteFiles(location.sqlite_path);
    return;
  }
  const std::string name = DatabaseName(location.postgres->conninfo);
  RunAsAdmin(location.postgres->conninfo, {absl::StrCat("DROP DATABASE ", name, " WITH (FORCE)"),
                                           absl::StrCat("CREATE DATABASE ", name)});
}

}  // namespace lookout::testing
