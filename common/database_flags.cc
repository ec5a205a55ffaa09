#include "common/database_flags.h"

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL connection URI or keyword string (libpq syntax). Empty: the store is an "
          "SQLite file in --data_dir.");
ABSL_FLAG(std::string, database_password_file, "",
          "A file holding the PostgreSQL password (overrides one in --database_url).");
ABSL_FLAG(int, database_pool_size, 16, "PostgreSQL connections this process may open.");
ABSL_FLAG(int, database_timeout_ms, 10000,
          "Bound of a database call that serves no RPC deadline (start-up, background work).");

namespace lookout {

std::optional<pg::PoolOptions> DatabaseOptionsFromFlags(absl::string_view schema,
                                                        absl::string_view application_name,
                                                        ConfigErrors& errors) {
  const std::string url = absl::GetFlag(FLAGS_database_url);
  const std::string password_file = absl::GetFlag(FLAGS_database_password_file);
  if (url.empty()) {
    if (!password_file.empty()) errors.Add("database_password_file", "needs --database_url");
    return std::nullopt;
  }
  pg::PoolOptions options;
  options.conninfo = url;
  options.schema = std::string(schema);
  options.application_name = std::string(application_name);
  options.size = absl::GetFlag(FLAGS_database_pool_size);
  if (options.size < 1 || options.size > 1000) {
    errors.Add("database_pool_size", "must be between 1 and 1000");
  }
  const int timeout_ms = absl::GetFlag(FLAGS_database_timeout_ms);
  if (timeout_ms <= 0) errors.Add("database_timeout_ms", "must be > 0");
  options.default_timeout = absl::Milliseconds(timeout_ms);
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in) {
      errors.Add("database_password_file", "cannot be read");
    } else {
      std::stringstream text;
      text << in.rdbuf();
      // A trailing newline (echo, kubectl create secret --from-file) is not part of it.
      options.password = std::string(absl::StripTrailingAsciiWhitespace(text.str()));
      if (options.password.empty()) errors.Add("database_password_file", "is empty");
    }
  }
  auto checked = pg::Pool::Create(options);
  if (!checked.ok()) errors.Add("database_url", checked.status().message());
  return options;
}

std::string DescribeStoreFromFlags() {
  const std::string url = absl::GetFlag(FLAGS_database_url);
  if (url.empty()) return "sqlite";
  return absl::StrCat("postgres ", pg::DescribeConninfo(url));
}

}  // namespace lookout
