// The baseline for bench/cli_import_bench.sh: ImportEvents called directly on the event service
// with actors resolved beforehand. Parses the file and resolves every actor name first (not
// timed), builds all the requests, then times one upserting ImportEvents stream of them.
//   lookout-bench-direct-import --event_addr H:P --actor_addr H:P --token T --file rows.csv
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cli/app/actor_resolver.h"
#include "cli/app/api_client.h"
#include "cli/import/row_reader.h"

ABSL_FLAG(std::string, event_addr, "127.0.0.1:50052", "Event service.");
ABSL_FLAG(std::string, actor_addr, "127.0.0.1:50053", "Actor service.");
ABSL_FLAG(std::string, token, "", "Internal token.");
ABSL_FLAG(std::string, file, "", "ACLED-format CSV.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  lookout::cli::ClientConfig config;
  config.addr = absl::GetFlag(FLAGS_event_addr);
  config.event_addr = absl::GetFlag(FLAGS_event_addr);
  config.actor_addr = absl::GetFlag(FLAGS_actor_addr);
  config.internal_token = absl::GetFlag(FLAGS_token);
  config.timeout = absl::Seconds(60);
  lookout::cli::ApiClient client(config);

  // Untimed: parse every row and resolve every actor.
  std::ifstream in(absl::GetFlag(FLAGS_file), std::ios::binary);
  auto reader = lookout::cli::RowReader::Create(lookout::cli::ImportFormat::kAcled, &in);
  std::vector<lookout::cli::ParsedRow> rows;
  lookout::cli::ParsedRow row;
  lookout::cli::RowError error;
  for (;;) {
    auto result = reader->Next(&row, &error);
    if (result == lookout::cli::RowReader::Result::kEnd) break;
    if (result == lookout::cli::RowReader::Result::kRow) rows.push_back(row);
  }
  lookout::cli::ActorResolver resolver(&client);
  std::vector<const lookout::cli::ActorRef*> refs;
  for (const auto& parsed : rows) {
    for (const auto& ref : parsed.actors) refs.push_back(&ref);
  }
  absl::Status resolved = resolver.Resolve(refs);
  if (!resolved.ok()) {
    std::cerr << "resolve failed: " << resolved << "\n";
    return 1;
  }
  std::vector<lookout::event::v1::ImportEventsRequest> requests(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    *requests[i].mutable_event() = rows[i].event;
    for (const auto& ref : rows[i].actors) {
      std::string why;
      auto* participant = requests[i].mutable_event()->add_participants();
      participant->set_actor_id(resolver.Lookup(ref, &why));
      participant->set_role(ref.role);
    }
  }
  if (!requests.empty()) requests[0].mutable_options()->set_upsert_by_external_id(true);

  // Timed: the stream alone.
  const absl::Time start = absl::Now();
  grpc::ClientContext context;
  client.Prepare(&context, absl::Hours(1));
  lookout::event::v1::ImportEventsResponse response;
  auto writer = client.events()->ImportEvents(&context, &response);
  for (const auto& request : requests) {
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!status.ok()) {
    std::cerr << "ImportEvents failed: " << status.error_message() << "\n";
    return 1;
  }
  std::cout << absl::StrFormat("direct: %d rows, created %d, rejected %d, %.2f s, %.0f rows/s\n",
                               rows.size(), response.created(), response.rejected(), seconds,
                               rows.size() / seconds);
  return 0;
}
