// A store replaced under the services that use it, as an operator would replace it: recreated
// empty, or copied back from an older copy. For SQLite the file (a closed store leaves no -wal
// or -shm), for PostgreSQL the whole database on the test server. The store must be closed.
#ifndef LOOKOUT_TESTS_TESTING_STORE_COPY_H_
#define LOOKOUT_TESTS_TESTING_STORE_COPY_H_

#include <string>

#include "common/store_location.h"

namespace lookout::testing {

// A location for a copy of the store at `location`: `sqlite_path` for SQLite; for PostgreSQL
// another database on the same server, named as `location`'s with `suffix` appended.
StoreLocation CopyLocation(const StoreLocation& location, const std::string& sqlite_path,
                           const std::string& suffix);

// Replaces the store at `to` with a copy of the one at `from` (a file copy; CREATE DATABASE
// ... TEMPLATE). Fails the test when it cannot.
void CopyStore(const StoreLocation& from, const StoreLocation& to);

// Leaves nothing at `location`: the file removed, or the database dropped and created again
// empty, so the next open starts a new store there.
void RecreateStore(const StoreLocation& location);

}  // namespace lookout::testing

#endif  // LOOKOUT_TESTS_TESTING_STORE_COPY_H_
