// lookout-actor: wires configuration, the store (SQLite or PostgreSQL), the domain and the gRPC
// service. No logic.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/call_context.h"
#include "common/config.h"
#include "common/database_flags.h"
#include "common/logging.h"
#include "common/server_runner.h"
#include "common/startup_retry.h"
#include "common/store_location.h"
#include "services/actor/actor_manager.h"
#include "services/actor/actor_service.h"
#include "services/actor/actor_store_factory.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on.");
ABSL_FLAG(int, port, 50053, "gRPC port (0 picks a free one).");
ABSL_FLAG(std::string, data_dir, "var/data",
          "Directory of actor.db (the SQLite store, used when --database_url is empty); created "
          "if missing.");
ABSL_FLAG(std::string, internal_token, "",
          "Shared secret callers must present (required; prefer LOOKOUT_INTERNAL_TOKEN).");
ABSL_FLAG(int, metrics_port, 9453, "Prometheus /metrics port (-1 turns it off, 0 picks one).");
ABSL_FLAG(std::string, metrics_host, "",
          "Address /metrics binds (empty: --host); 127.0.0.1 keeps it off the network.");
ABSL_FLAG(bool, reflection, true, "Serve gRPC server reflection.");
ABSL_FLAG(double, drain_grace_seconds, 10, "How long in-flight calls may finish on shutdown.");
ABSL_FLAG(double, shutdown_delay_seconds, 1,
          "After SIGTERM, how long health reports NOT_SERVING while calls are still accepted, "
          "before the drain begins.");

int main(int argc, char** argv) {
  // First, before any thread exists, so every thread inherits the signal mask.
  lookout::InstallProcessSignalHandling();
  lookout::ParseFlagsWithEnv(argc, argv, "lookout-actor: the Lookout actor service");
  lookout::InitLogging("actor");

  const std::string host = absl::GetFlag(FLAGS_host);
  const int port = absl::GetFlag(FLAGS_port);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string internal_token = absl::GetFlag(FLAGS_internal_token);
  const int metrics_port = absl::GetFlag(FLAGS_metrics_port);
  const double drain_grace_seconds = absl::GetFlag(FLAGS_drain_grace_seconds);
  const double shutdown_delay_seconds = absl::GetFlag(FLAGS_shutdown_delay_seconds);

  lookout::ConfigErrors errors;
  errors.CheckNonEmpty("host", host);
  errors.CheckPort("port", port, /*allow_zero=*/true);
  errors.CheckNonEmpty("data_dir", data_dir);
  errors.CheckNonEmpty("internal_token", internal_token);
  if (metrics_port < -1 || metrics_port > 65535) {
    errors.Add("metrics_port",
               absl::StrCat("must be -1 (off) or a port number in 0..65535, got ", metrics_port));
  }
  if (drain_grace_seconds < 0) {
    errors.Add("drain_grace_seconds",
               absl::StrCat("must not be negative, got ", drain_grace_seconds));
  }
  if (shutdown_delay_seconds < 0) {
    errors.Add("shutdown_delay_seconds",
               absl::StrCat("must not be negative, got ", shutdown_delay_seconds));
  }
  lookout::StoreLocation location;
  location.postgres = lookout::DatabaseOptionsFromFlags("actor", "lookout-actor", errors);
  errors.ExitIfAny();

  if (!location.postgres.has_value()) {
    std::error_code error;
    std::filesystem::create_directories(data_dir, error);
    if (error) {
      lookout::LogError("cannot create data_dir",
                        {{"data_dir", data_dir}, {"error", error.message()}});
      return 1;
    }
    location.sqlite_path = (std::filesystem::path(data_dir) / "actor.db").string();
  }
  // What the log may say about the store: the file, or the server without its password.
  const std::string store_description = location.postgres.has_value()
                                            ? lookout::DescribeStoreFromFlags()
                                            : "sqlite " + location.sqlite_path;

  // The effective configuration, once; the token is a secret and stays out of logs.
  lookout::LogInfo("config", {{"host", host},
                              {"port", absl::StrCat(port)},
                              {"data_dir", data_dir},
                              {"store", store_description},
                              {"metrics_port", absl::StrCat(metrics_port)},
                              {"reflection", absl::GetFlag(FLAGS_reflection) ? "on" : "off"},
                              {"drain_grace_seconds", absl::StrCat(drain_grace_seconds)},
                              {"shutdown_delay_seconds", absl::StrCat(shutdown_delay_seconds)}});

  // A database that does not answer yet (starting, failing over) is waited for, not fatal.
  std::unique_ptr<lookout::actor::ActorStore> store;
  absl::Status opened = lookout::RetryWhileUnavailable(store_description, [&]() -> absl::Status {
    auto attempt = lookout::actor::OpenActorStore(location);
    if (!attempt.ok()) return attempt.status();
    store = std::move(*attempt);
    return absl::OkStatus();
  });
  if (absl::IsCancelled(opened)) return 0;
  if (!opened.ok()) {
    lookout::LogError("cannot open the store",
                      {{"store", store_description}, {"error", opened.ToString()}});
    return 1;
  }
  lookout::actor::ActorManager manager(store.get());
  lookout::actor::ActorServiceImpl service(&manager, lookout::InternalAuth(internal_token));

  lookout::ServerOptions options;
  options.host = host;
  options.port = port;
  options.reflection = absl::GetFlag(FLAGS_reflection);
  options.metrics_port = metrics_port;
  options.metrics_host = absl::GetFlag(FLAGS_metrics_host);
  options.drain_grace = absl::Seconds(drain_grace_seconds);
  options.shutdown_delay = absl::Seconds(shutdown_delay_seconds);
  lookout::ServerRunner runner(options);
  runner.AddService(&service, lookout::actor::kActorServiceName);
  absl::Status started = runner.Start();
  if (!started.ok()) {
    lookout::LogError("cannot start the server", {{"error", started.ToString()}});
    return 1;
  }
  return runner.RunUntilSignal();
}
