// The flags that move a service's store from its SQLite file to PostgreSQL, shared by the
// event, actor and stats services: --database_url (LOOKOUT_DATABASE_URL), the password file,
// the pool size and the bound of calls that carry no deadline.
#ifndef LOOKOUT_COMMON_DATABASE_FLAGS_H_
#define LOOKOUT_COMMON_DATABASE_FLAGS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/config.h"
#include "common/pg_pool.h"

namespace lookout {

// The PostgreSQL settings the flags give for the service owning `schema`, or nullopt when
// --database_url is empty (the store stays SQLite in --data_dir). Problems go to `errors`,
// naming the flag; none of them quotes the URL or the password.
std::optional<pg::PoolOptions> DatabaseOptionsFromFlags(absl::string_view schema,
                                                        absl::string_view application_name,
                                                        ConfigErrors& errors);

// For the start-up log line: "sqlite" or "postgres host=... dbname=..." (no password).
std::string DescribeStoreFromFlags();

}  // namespace lookout

#endif  // LOOKOUT_COMMON_DATABASE_FLAGS_H_
