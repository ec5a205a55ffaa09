// The lookout client against the real actor and event services (child processes, called
// directly with the internal token): importing fixtures, re-importing (nothing new), rows the
// server rejects reported on their lines, actor names resolved a thousand a call, known, new
// and refused names each giving their rows' exact outcome, rejections in file order from
// parallel streams, two importers creating the same names at once, --parallel's checks, a
// dataset's refused event named by its index, dry runs, and an export -> import round trip into
// a second, empty Lookout that loses nothing.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "cli/app/actor_resolver.h"
#include "cli/app/cli.h"
#include "cli/app/exit_codes.h"
#include "cli/app/importer.h"
#include "cli/import/jsonl_format.h"
#include "cli/testing/backend_processes.h"
#include "common/call_context.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace lookout::cli {
namespace {

using ::testing::HasSubstr;

const std::string kFixtures = LOOKOUT_FIXTURES_DIR;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

class CliAgainstServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backends_ = std::make_unique<cli_testing::BackendProcesses>(LOOKOUT_BIN_DIR);
    absl::Status started = backends_->Start(dir_.path() + "/a");
    ASSERT_TRUE(started.ok()) << started;
  }

  CliRun Lookout(std::vector<std::string> argv, const cli_testing::BackendProcesses* to = nullptr) {
    const cli_testing::BackendProcesses& target = to ? *to : *backends_;
    argv.insert(argv.end(),
                {"--addr", target.event_addr(), "--event-addr", target.event_addr(), "--actor-addr",
                 target.actor_addr(), "--internal-token", target.token()});
    Environment environment;
    environment.get = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    std::ostringstream out, err;
    argv.push_back("--quiet");
    const int code = RunCli(argv, out, err, environment);
    return {code, out.str(), err.str()};
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = dir_.File(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  testing::TempDir dir_;
  std::unique_ptr<cli_testing::BackendProcesses> backends_;
};

TEST_F(CliAgainstServicesTest, ImportingTheSameFileAgainCreatesNothing) {
  const std::string file = kFixtures + "/acled/acled_valid.csv";
  CliRun first = Lookout({"import", "acled", file});
  EXPECT_EQ(first.code, kExitOk) << first.err;
  EXPECT_EQ(first.out, file +
                           ": read 5, created 5, updated 0, unchanged 0, rejected 0\n"
                           "actors created: 7\n");
  EXPECT_EQ(first.err, "");
  CliRun again = Lookout({"import", "acled", file});
  EXPECT_EQ(again.code, kExitOk);
  EXPECT_EQ(again.out, file + ": read 5, created 0, updated 0, unchanged 5, rejected 0\n");

  CliRun listed = Lookout({"events", "list", "-o", "csv", "--limit", "0"});
  EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 1 + 5 + 2)  // header, rows,
      << listed.out;  // and the two line breaks inside the kidnapping's quoted notes
}

// ACLED's maritime hierarchy: sea rows import as events at sea; an event ACLED moves from a
// coastal country to international waters (same event_id_cnty) is updated in place on the next
// import, and the change log shows it leave the country for the sea.
TEST_F(CliAgainstServicesTest, AnEventMovedOutToSeaIsUpdatedInPlace) {
  const std::string file = kFixtures + "/acled/acled_sea.csv";
  CliRun first = Lookout({"import", "acled", file});
  ASSERT_EQ(first.code, kExitOk) << first.err;
  EXPECT_THAT(first.out, HasSubstr(": read 6, created 6, updated 0, unchanged 0, rejected 0\n"));
  CliRun red_sea = Lookout({"events", "list", "-o", "json", "--basin", "red sea", "--limit", "0"});
  ASSERT_EQ(red_sea.code, kExitOk) << red_sea.err;
  EXPECT_THAT(red_sea.out, HasSubstr("YEM9805"));
  EXPECT_THAT(red_sea.out, ::testing::Not(HasSubstr("YEM9804")));  // still on Yemen's coast

  const std::string resync = kFixtures + "/acled/acled_sea_resync.csv";
  CliRun again = Lookout({"import", "acled", resync});
  ASSERT_EQ(again.code, kExitOk) << again.err;
  EXPECT_EQ(again.out, resync + ": read 1, created 0, updated 1, unchanged 0, rejected 0\n");
  red_sea = Lookout({"events", "list", "-o", "json", "--basin", "Red Sea", "--limit", "0"});
  EXPECT_THAT(red_sea.out, HasSubstr("YEM9804"));
  CliRun yemen = Lookout({"events", "list", "-o", "json", "--country", "YEM", "--limit", "0"});
  EXPECT_THAT(yemen.out, ::testing::Not(HasSubstr("YEM9804")));

  auto stub = event::v1::EventService::NewStub(
      grpc::CreateChannel(backends_->event_addr(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata(kInternalTokenHeader, backends_->token());
  auto reader = stub->WatchEvents(&context, event::v1::WatchEventsRequest());
  std::vector<event::v1::WatchEventsResponse> moves;
  event::v1::WatchEventsResponse change;
  while (reader->Read(&change)) {
    const auto& ids = change.event().external_ids();
    if (std::any_of(ids.begin(), ids.end(),
                    [](const auto& id) { return id.value() == "YEM9804"; })) {
      moves.push_back(change);
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].type(), event::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(moves[0].event().location().country_code(), "YEM");
  EXPECT_FALSE(moves[0].event().location().has_maritime());
  EXPECT_EQ(moves[1].type(), event::v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(moves[1].event().id(), moves[0].event().id());  // in place: the same event
  EXPECT_EQ(moves[1].event().location().country_code(), "");
  EXPECT_EQ(moves[1].event().location().admin1(), "");
  EXPECT_EQ(moves[1].event().location().maritime().basin(), "Red Sea");
  EXPECT_EQ(moves[1].event().location().maritime().region(), "Southern Red Sea");
  EXPECT_EQ(moves[1].event().location().place(), "Southern Red Sea (centroid)");
}

TEST_F(CliAgainstServicesTest, AMalformedRowIsReportedAndTheRestImported) {
  const std::string file = kFixtures + "/acled/acled_rejects.csv";
  CliRun run = Lookout({"import", "acled", file});
  EXPECT_EQ(run.code, kExitPartial);
  EXPECT_EQ(run.out, file +
                         ": read 27, created 1, updated 0, unchanged 0, rejected 26\n"
                         "actors created: 2\n");
  EXPECT_THAT(run.err, HasSubstr(file + ":3: event_date: \"2023-02-30\" is not a real calendar "
                                        "date\n"));
  EXPECT_THAT(run.err, HasSubstr(file + ":26: record: field 28 has text after its closing "
                                        "quote\n"));
}

TEST_F(CliAgainstServicesTest, RowsTheServerRejectsAreReportedOnTheirLines) {
  // Well-formed JSON that the event service refuses: no event type on line 2, an unknown actor
  // id on line 4.
  const std::string file = WriteFile(
      "server-rejects.jsonl",
      R"({"event":{"eventDate":"2024-01-01","eventType":"EVENT_TYPE_RIOTS","location":{"countryCode":"HTI"},"externalIds":[{"scheme":"T","value":"1"}]}})"
      "\n"
      R"({"event":{"eventDate":"2024-01-02","location":{"countryCode":"HTI"},"externalIds":[{"scheme":"T","value":"2"}]}})"
      "\n\n"
      R"({"eventDate":"2024-01-03","eventType":"EVENT_TYPE_RIOTS","location":{"countryCode":"HTI"},"participants":[{"actorId":"act_nobody","role":"PARTICIPANT_ROLE_PRIMARY"}],"externalIds":[{"scheme":"T","value":"3"}]})"
      "\n");
  CliRun run = Lookout({"import", "jsonl", file});
  EXPECT_EQ(run.code, kExitPartial);
  EXPECT_EQ(run.out, file + ": read 3, created 1, updated 0, unchanged 0, rejected 2\n");
  EXPECT_THAT(run.err, HasSubstr(file + ":2: event.event_type"));
  EXPECT_THAT(run.err, HasSubstr(file + ":4: "));
  EXPECT_THAT(run.err, HasSubstr("act_nobody"));
}

TEST_F(CliAgainstServicesTest, ADryRunWritesNothing) {
  CliRun dry = Lookout({"import", "gdelt", kFixtures + "/gdelt/gdelt_valid.tsv", "--dry-run"});
  EXPECT_EQ(dry.code, kExitOk) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("read 5, would create 5"));
  CliRun listed = Lookout({"events", "list"});
  EXPECT_EQ(listed.out, "No events match.\n");
  CliRun actors = Lookout({"actors", "list"});
  EXPECT_EQ(actors.out, "No actors match.\n");
}

TEST_F(CliAgainstServicesTest, ResolvesAThousandNamesACallWhateverTheirTypesAndCountries) {
  // 2,400 new names over three types and five countries: three calls (1000, 1000, 400), each
  // actor created with the type and country of its own entry.
  const actor::v1::ActorType types[] = {actor::v1::ACTOR_TYPE_STATE_FORCES,
                                        actor::v1::ACTOR_TYPE_POLITICAL_MILITIA,
                                        actor::v1::ACTOR_TYPE_CIVILIANS};
  const char* countries[] = {"HTI", "KEN", "USA", "BGD", ""};
  std::vector<ActorRef> refs;
  for (int i = 0; i < 2400; ++i) {
    ActorRef& ref = refs.emplace_back();
    ref.name = absl::StrCat("Group ", i);
    ref.type = types[i % 3];
    ref.country_code = countries[i % 5];
  }
  ApiClient client(backends_->DirectConfig());
  ActorResolver resolver(&client);
  ASSERT_TRUE(resolver.Resolve(refs).ok());
  EXPECT_EQ(resolver.calls(), 3);
  EXPECT_EQ(resolver.created(), 2400);
  std::string why;
  EXPECT_FALSE(resolver.Lookup(refs[0], &why).empty()) << why;

  // Group i has types[i % 3] and countries[i % 5].
  CliRun group = Lookout({"actors", "list", "--query", "Group 2397", "-o", "csv"});
  EXPECT_THAT(group.out, HasSubstr(",Group 2397,STATE_FORCES,USA,"));
  group = Lookout({"actors", "list", "--query", "Group 2398", "-o", "csv"});
  EXPECT_THAT(group.out, HasSubstr(",Group 2398,POLITICAL_MILITIA,BGD,"));
  group = Lookout({"actors", "list", "--query", "Group 2399", "-o", "csv"});
  EXPECT_THAT(group.out, HasSubstr(",Group 2399,CIVILIANS,,"));

  // Asked again: answered from what the resolver remembers, no call.
  ASSERT_TRUE(resolver.Resolve(refs).ok());
  EXPECT_EQ(resolver.calls(), 3);
}

TEST_F(CliAgainstServicesTest, ImportsRowsNamingManyNewActors) {
  // 1,200 ACLED rows naming 2,400 different actors of two types.
  std::string csv =
      "event_id_cnty,event_date,event_type,sub_event_type,actor1,inter1,actor2,inter2,iso\n";
  for (int i = 0; i < 1200; ++i) {
    absl::StrAppend(&csv, "B", i, ",2024-01-", 10 + i % 20, ",Battles,Armed clash,Group ", i,
                    ",3,Group ", i + 1200, ",", i % 2 ? "1" : "Rebel group", ",332\n");
  }
  std::istringstream in(csv);
  ApiClient client(backends_->DirectConfig());
  std::ostringstream err;
  Importer importer(&client, ImportSettings(), &err);
  ImportTally tally;
  absl::Status status = importer.Import(&in, ImportFormat::kAcled, "generated", nullptr, &tally);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(tally.read, 1200);
  EXPECT_EQ(tally.created, 1200);
  EXPECT_EQ(tally.rejected, 0);
  EXPECT_EQ(importer.resolver().created(), 2400);
  CliRun actors = Lookout({"actors", "list", "--query", "Group 2399", "-o", "csv"});
  EXPECT_EQ(actors.code, kExitOk);
  EXPECT_THAT(actors.out, HasSubstr(",Group 2399,STATE_FORCES,HTI,"));
  actors = Lookout({"actors", "list", "--query", "Group 2398", "-o", "csv"});
  EXPECT_THAT(actors.out, HasSubstr(",Group 2398,REBEL_GROUP,HTI,"));
}

// A JSONL line for event `id` whose participants are the actors named (created, when new, as
// political militias of Haiti). Without `typed` the event service refuses the row.
std::string JsonlRow(int id, const std::vector<std::string>& names, bool typed = true) {
  std::string participants, actors;
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&participants, i == 0 ? "" : ",", R"({"role":"PARTICIPANT_ROLE_PRIMARY"})");
    absl::StrAppend(&actors, i == 0 ? "" : ",", R"({"name":")", names[i],
                    R"(","type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HTI"})");
  }
  return absl::StrCat(R"({"event":{"eventDate":"2024-01-)", 10 + id % 20, R"(",)",
                      typed ? R"("eventType":"EVENT_TYPE_RIOTS",)" : "",
                      R"("location":{"countryCode":"HTI"},"participants":[)", participants,
                      R"(],"externalIds":[{"scheme":"T","value":")", id, R"("}]},"actors":[)",
                      actors, "]}\n");
}

// A name the parsers pass (it is not blank to them) but the actor service refuses: a zero-width
// space matches nothing and could never be resolved.
const std::string kInvisibleName = "\xE2\x80\x8B";

// The external ids of every stored event, sorted.
std::vector<std::string> StoredExternalIds(const std::string& jsonl) {
  std::vector<std::string> ids;
  for (absl::string_view line : absl::StrSplit(jsonl, '\n', absl::SkipEmpty())) {
    absl::StatusOr<ParsedRow> row = ParseJsonlLine(line);
    EXPECT_TRUE(row.ok()) << row.status();
    if (!row.ok()) continue;
    for (const auto& id : row->event.external_ids()) {
      ids.push_back(absl::StrCat(id.scheme(), ":", id.value()));
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST_F(CliAgainstServicesTest, KnownNewAndInvalidNamesGiveEachRowItsOutcome) {
  ASSERT_EQ(Lookout({"actors", "resolve", "Known Militia", "--create-missing"}).code, kExitOk);
  const std::string file = WriteFile(
      "mixed.jsonl",
      absl::StrCat(JsonlRow(1, {"Known Militia"}),                   // created
                   JsonlRow(2, {"New Militia A"}),                   // created
                   JsonlRow(3, {kInvisibleName}),                    // name refused
                   "not json at all\n",                              // the parser refuses it
                   JsonlRow(5, {"New Militia A", "Known Militia"}),  // created
                   JsonlRow(6, {"Known Militia", kInvisibleName}),   // name refused
                   JsonlRow(7, {"New Militia B"}, /*typed=*/false),  // the server refuses it
                   JsonlRow(8, {"New Militia C"})));                 // created
  const std::string refused =
      absl::StrCat("actor \"", kInvisibleName,
                   "\": refused by the actor service: name: must contain a visible character");
  std::string rejections;
  for (const std::string& rejection :
       {absl::StrCat("3: ", refused),
        std::string("4: line: is not a JSON object: Unexpected token."),
        absl::StrCat("6: ", refused), std::string("7: event.event_type: is required")}) {
    absl::StrAppend(&rejections, file, ":", rejection, "\n");
  }

  CliRun first = Lookout({"import", "jsonl", file});
  EXPECT_EQ(first.code, kExitPartial);
  EXPECT_EQ(first.out, file +
                           ": read 8, created 4, updated 0, unchanged 0, rejected 4\n"
                           "actors created: 3\n");  // A, B (its row refused later) and C
  EXPECT_EQ(first.err, rejections);
  CliRun exported = Lookout({"export", "events", "--format", "jsonl"});
  EXPECT_EQ(StoredExternalIds(exported.out),
            (std::vector<std::string>{"T:1", "T:2", "T:5", "T:8"}));
  CliRun actors = Lookout({"actors", "list", "--limit", "0", "-o", "csv"});
  EXPECT_EQ(std::count(actors.out.begin(), actors.out.end(), '\n'), 1 + 4) << actors.out;

  // Again: every stored row unchanged, the same rows refused for the same reasons.
  CliRun again = Lookout({"import", "jsonl", file});
  EXPECT_EQ(again.code, kExitPartial);
  EXPECT_EQ(again.out, file + ": read 8, created 0, updated 0, unchanged 4, rejected 4\n");
  EXPECT_EQ(again.err, rejections);
  EXPECT_EQ(Lookout({"actors", "list", "--limit", "0", "-o", "csv"}).out, actors.out);
}

// 3,000 rows: every 11th malformed, every 13th naming a refused name, every 7th refused by the
// event service; the others name actors first seen all along the file, so rows wait on
// resolutions while others overtake them.
struct Everywhere {
  std::string text;
  std::vector<std::string> rejections;  // "LINE: reason", in file order
  int valid = 0;
  std::set<std::string> names;  // the valid names asked for
};

Everywhere RowsWithRejectionsEverywhere() {
  Everywhere out;
  for (int line = 1; line <= 3000; ++line) {
    std::vector<std::string> names = {absl::StrCat("Group ", line % 400)};
    if (line % 50 == 0) names.push_back(absl::StrCat("Late Group ", line));
    if (line % 11 == 0) {
      out.text += "not json at all\n";
      out.rejections.push_back(
          absl::StrCat(line, ": line: is not a JSON object: Unexpected token."));
      continue;
    }
    out.names.insert(names.begin(), names.end());
    if (line % 13 == 0) {
      names.push_back(kInvisibleName);
      out.text += JsonlRow(line, names);
      out.rejections.push_back(
          absl::StrCat(line, ": actor \"", kInvisibleName,
                       "\": refused by the actor service: name: must contain a visible character"));
    } else if (line % 7 == 0) {
      out.text += JsonlRow(line, names, /*typed=*/false);
      out.rejections.push_back(absl::StrCat(line, ": event.event_type: is required"));
    } else {
      out.text += JsonlRow(line, names);
      ++out.valid;
    }
  }
  return out;
}

TEST_F(CliAgainstServicesTest, RejectionsComeInFileOrderFromManyStreams) {
  const Everywhere rows = RowsWithRejectionsEverywhere();
  std::istringstream in(rows.text);
  ApiClient client(backends_->DirectConfig());
  std::ostringstream err;
  ImportSettings settings;
  settings.parallel = 4;
  settings.stream_rows = 40;  // dozens of streams, closed in any order
  settings.max_printed_rejections = 100000;
  Importer importer(&client, settings, &err);
  ImportTally tally;
  absl::Status status = importer.Import(&in, ImportFormat::kJsonl, "f", nullptr, &tally);
  ASSERT_TRUE(status.ok()) << status;
  std::string want;
  for (const std::string& rejection : rows.rejections)
    absl::StrAppend(&want, "f:", rejection, "\n");
  EXPECT_EQ(err.str(), want);
  EXPECT_EQ(tally.read, 3000);
  EXPECT_EQ(tally.created, rows.valid);
  EXPECT_EQ(tally.rejected, static_cast<int64_t>(rows.rejections.size()));
  EXPECT_EQ(importer.resolver().created(), static_cast<int64_t>(rows.names.size()));
  EXPECT_EQ(tally.updated + tally.unchanged, 0);
}

TEST_F(CliAgainstServicesTest, ParallelStreamsPrintTheFirstRejectionsInFileOrder) {
  const Everywhere rows = RowsWithRejectionsEverywhere();
  const std::string file = WriteFile("everywhere.jsonl", rows.text);
  CliRun run = Lookout({"import", "jsonl", file, "--parallel", "4"});
  EXPECT_EQ(run.code, kExitPartial);
  EXPECT_EQ(run.out, absl::StrCat(file, ": read 3000, created ", rows.valid,
                                  ", updated 0, unchanged 0, rejected ", rows.rejections.size(),
                                  "\nactors created: ", rows.names.size(), "\n"));
  // The first 200 rejections, in file order, then a count of the rest.
  std::string want;
  for (size_t i = 0; i < 200; ++i) absl::StrAppend(&want, file, ":", rows.rejections[i], "\n");
  absl::StrAppend(&want, file, ": ", rows.rejections.size() - 200,
                  " more rejected rows not shown\n");
  EXPECT_EQ(run.err, want);
}

TEST_F(CliAgainstServicesTest, TwoImportersCreatingTheSameNewNamesMakeOneActorEach) {
  // Two files naming the same 600 new actors (in opposite orders), imported at the same moment.
  std::string first, second;
  for (int i = 0; i < 600; ++i) {
    first += JsonlRow(i, {absl::StrCat("Shared ", i), absl::StrCat("Shared ", (i + 1) % 600)});
    second += JsonlRow(10000 + i, {absl::StrCat("Shared ", 599 - i)});
  }
  ApiClient client_a(backends_->DirectConfig()), client_b(backends_->DirectConfig());
  std::ostringstream err_a, err_b;
  Importer a(&client_a, ImportSettings(), &err_a), b(&client_b, ImportSettings(), &err_b);
  absl::Status status_a, status_b;
  ImportTally tally_a, tally_b;
  absl::Mutex mu;
  int arrived = 0;
  auto run = [&](Importer* importer, const std::string& text, ImportTally* tally,
                 absl::Status* status) {
    std::istringstream in(text);
    {
      absl::MutexLock lock(&mu);  // both start together
      ++arrived;
      mu.Await(absl::Condition(
          +[](int* n) { return *n == 2; }, &arrived));
    }
    *status = importer->Import(&in, ImportFormat::kJsonl, "f", nullptr, tally);
  };
  std::thread thread_a(run, &a, first, &tally_a, &status_a);
  std::thread thread_b(run, &b, second, &tally_b, &status_b);
  thread_a.join();
  thread_b.join();
  ASSERT_TRUE(status_a.ok()) << status_a;
  ASSERT_TRUE(status_b.ok()) << status_b;
  EXPECT_EQ(err_a.str() + err_b.str(), "");
  EXPECT_EQ(tally_a.created + tally_b.created, 1200);

  CliRun actors = Lookout({"actors", "list", "--limit", "0", "-o", "csv"});
  std::map<std::string, int> by_name;
  for (absl::string_view line : absl::StrSplit(actors.out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ',');
    if (fields.size() > 1 && fields[1] != "name") ++by_name[fields[1]];
  }
  EXPECT_EQ(by_name.size(), 600u);
  for (const auto& [name, count] : by_name) EXPECT_EQ(count, 1) << name;
}

TEST_F(CliAgainstServicesTest, ParallelMustBeAWholeNumberFromOneToSixteen) {
  const std::string file = kFixtures + "/acled/acled_valid.csv";
  for (const std::string value : {"0", "17", "-1", "two", "1.5", ""}) {
    CliRun run = Lookout({"import", "acled", file, "--parallel", value});
    EXPECT_EQ(run.code, kExitUsage) << value;
    EXPECT_EQ(run.err, absl::StrCat("lookout: --parallel must be a whole number from 1 to 16, got "
                                    "\"",
                                    value, "\"\nRun 'lookout help import' for usage.\n"))
        << value;
    EXPECT_EQ(run.out, "");
  }
  // Nothing was imported by the refused commands.
  EXPECT_EQ(Lookout({"events", "list"}).out, "No events match.\n");

  CliRun one = Lookout({"import", "acled", file, "--parallel", "1"});
  EXPECT_EQ(one.code, kExitOk) << one.err;
  EXPECT_THAT(one.out, HasSubstr("read 5, created 5"));
  CliRun sixteen = Lookout({"import", "acled", file, "--parallel=16"});
  EXPECT_EQ(sixteen.code, kExitOk) << sixteen.err;
  EXPECT_THAT(sixteen.out, HasSubstr("read 5, created 0, updated 0, unchanged 5"));
}

TEST_F(CliAgainstServicesTest, LoadingADatasetReportsItsRefusedEventsByIndex) {
  // The events take the import's path: the one the event service refuses is named by its index.
  // Event `i`, by both actors; without `typed` it has no event type.
  auto entry = [](int i, bool typed) {
    return absl::StrCat(
        R"({"participants": [{"actorKey": "a", "role": "PARTICIPANT_ROLE_PRIMARY"},)",
        R"({"actorKey": "b", "role": "PARTICIPANT_ROLE_TARGET"}],)",
        R"("event": {"eventDate": "2024-01-0)", i, R"(", )",
        typed ? R"("eventType": "EVENT_TYPE_RIOTS", )" : "",
        R"("location": {"countryCode": "HTI"}, "externalIds": [{"scheme": "LOAD-TEST", "value": "e)",
        i, R"("}]}})");
  };
  const std::string file =
      WriteFile("dataset.json",
                absl::StrCat(R"({"name": "load-test", "actors": [
          {"key": "a", "actor": {"name": "Load Test Gang", "type": "ACTOR_TYPE_POLITICAL_MILITIA"}},
          {"key": "b", "actor": {"name": "Load Test Civilians", "type": "ACTOR_TYPE_CIVILIANS"}}],
        "events": [)",
                             entry(1, true), ",", entry(2, false), ",", entry(3, true), "]}"));
  CliRun first = Lookout({"load", file, "--reason", "load test dataset"});
  EXPECT_EQ(first.code, kExitPartial);
  EXPECT_EQ(first.out,
            "load-test: actors 2 created, 0 already there; relationships 0 created, 0 already "
            "there; events 2 created, 0 updated, 0 unchanged, 1 rejected; figures 0 created, 0 "
            "already there\n");
  EXPECT_EQ(first.err, file + ": events[1]: event.event_type: is required\n");
  CliRun again = Lookout({"load", file});
  EXPECT_EQ(again.code, kExitPartial);
  EXPECT_EQ(again.out,
            "load-test: actors 0 created, 2 already there; relationships 0 created, 0 already "
            "there; events 0 created, 0 updated, 2 unchanged, 1 rejected; figures 0 created, 0 "
            "already there\n");
  EXPECT_EQ(again.err, first.err);
  // The load's reason is kept with the actors it created.
  CliRun found = Lookout({"actors", "resolve", "Load Test Gang", "-o", "csv"});
  ASSERT_EQ(found.code, kExitOk) << found.err;
  const std::vector<std::string> lines = absl::StrSplit(found.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << found.out;
  CliRun history = Lookout(
      {"actors", "history", std::vector<std::string>(absl::StrSplit(lines[1], ','))[1]});
  ASSERT_EQ(history.code, kExitOk) << history.err;
  EXPECT_THAT(history.out, HasSubstr("load test dataset"));
}

// JSONL lines without what a server assigns (ids, times, sequences, actor ids), for comparing
// two Lookouts' exports.
std::vector<std::string> Portable(const std::string& jsonl) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(jsonl, '\n', absl::SkipEmpty())) {
    absl::StatusOr<ParsedRow> row = ParseJsonlLine(line);
    EXPECT_TRUE(row.ok()) << row.status();
    if (!row.ok()) continue;
    row->event.clear_external_ids();  // the LOOKOUT id of events that had none differs
    std::string text = row->event.ShortDebugString();
    for (const ActorRef& actor : row->actors) {
      absl::StrAppend(&text, " | ", actor.name, " ", actor.type, " ", actor.country_code, " ",
                      actor.role);
    }
    lines.push_back(text);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(CliAgainstServicesTest, ExportThenImportIntoAnEmptyLookoutLosesNothing) {
  ASSERT_EQ(Lookout({"import", "acled", kFixtures + "/acled/acled_valid.csv"}).code, kExitOk);
  ASSERT_EQ(Lookout({"import", "ucdp", kFixtures + "/ucdp/ucdp_valid_hxl.csv"}).code, kExitOk);
  ASSERT_EQ(Lookout({"import", "gdelt", kFixtures + "/gdelt/gdelt_valid.tsv"}).code, kExitOk);
  const std::string exported = dir_.File("first.jsonl");
  CliRun out = Lookout({"export", "events", "--format", "jsonl", "--out", exported});
  ASSERT_EQ(out.code, kExitOk) << out.err;

  // Into the same Lookout: every event is found by its external id and left unchanged.
  CliRun same = Lookout({"import", "jsonl", exported});
  EXPECT_EQ(same.code, kExitOk) << same.err;
  EXPECT_EQ(same.out, exported + ": read 14, created 0, updated 0, unchanged 14, rejected 0\n");

  // Into a second, empty Lookout: the same events come out again.
  cli_testing::BackendProcesses second(LOOKOUT_BIN_DIR);
  ASSERT_TRUE(second.Start(dir_.path() + "/b").ok());
  CliRun into = Lookout({"import", "jsonl", exported}, &second);
  EXPECT_EQ(into.code, kExitOk) << into.err;
  EXPECT_THAT(into.out, HasSubstr("read 14, created 14"));
  const std::string again = dir_.File("second.jsonl");
  ASSERT_EQ(Lookout({"export", "events", "--out", again}, &second).code, kExitOk);

  std::ifstream a(exported), b(again);
  std::stringstream first_text, second_text;
  first_text << a.rdbuf();
  second_text << b.rdbuf();
  const std::vector<std::string> first = Portable(first_text.str());
  EXPECT_EQ(first.size(), 14u);
  EXPECT_EQ(first, Portable(second_text.str()));
}

TEST_F(CliAgainstServicesTest, CsvExportHasOneStableHeaderAndARowPerEvent) {
  ASSERT_EQ(Lookout({"import", "gdelt", kFixtures + "/gdelt/gdelt_valid.tsv"}).code, kExitOk);
  CliRun run = Lookout({"export", "events", "--format", "csv", "--country", "USA"});
  EXPECT_EQ(run.code, kExitOk);
  std::vector<std::string> lines = absl::StrSplit(run.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  // Both events share a date, so their order is the ids'; sort to compare.
  std::sort(lines.begin() + 1, lines.end(), [](const std::string& a, const std::string& b) {
    return a.find(",AID,") != std::string::npos && b.find(",AID,") == std::string::npos;
  });
  EXPECT_EQ(lines[0],
            "id,event_date,end_date,date_precision,event_type,sub_event_type,country_code,admin1,"
            "admin2,place,latitude,longitude,geo_precision,participants,participant_ids,killed,"
            "killed_low,killed_high,injured,kidnapped,missing,arrested,displaced,"
            "civilian_targeting,sources,source_urls,notes,tags,external_ids,create_time,"
            "update_time,maritime_basin,maritime_region,body_of_water,sub_basin");
  EXPECT_THAT(lines[1], HasSubstr(",2024-01-15,,DAY,AID,Humanitarian aid,USA,Florida,"));
  EXPECT_THAT(lines[1], HasSubstr("INITIATOR: UNITED STATES"));
  EXPECT_THAT(lines[2], HasSubstr(",RIOTS,Violent demonstration,USA,"));
  EXPECT_THAT(lines[1], ::testing::EndsWith(",,,,"));  // no maritime levels on land

  // An event at sea: no country, its maritime levels in the last columns.
  ASSERT_EQ(Lookout({"import", "acled", kFixtures + "/acled/acled_sea.csv"}).code, kExitOk);
  run = Lookout({"export", "events", "--format", "csv", "--water", "Caribbean Sea"});
  EXPECT_EQ(run.code, kExitOk);
  lines = absl::StrSplit(run.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[1], HasSubstr(",Attack,,,,Windward Passage (centroid),"));
  EXPECT_THAT(lines[1], ::testing::EndsWith(
                            ",Atlantic Ocean,North Atlantic Ocean,Caribbean Sea,Windward Passage"));
}

// Issue 26 for actors: 'actors resolve --create-missing --reason' and an import's --reason are
// kept with the actors they create, and 'actors history' prints who, when, what and why.
TEST_F(CliAgainstServicesTest, ActorsHistoryShowsTheReasonOfEachCreation) {
  CliRun resolved = Lookout({"actors", "resolve", "Gran Grif", "--create-missing", "--reason",
                             "named in a field report", "-o", "csv"});
  ASSERT_EQ(resolved.code, kExitOk) << resolved.err;
  const std::vector<std::string> lines = absl::StrSplit(resolved.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << resolved.out;
  const std::string id = std::vector<std::string>(absl::StrSplit(lines[1], ','))[1];
  ASSERT_EQ(id.substr(0, 4), "act_") << resolved.out;

  CliRun history = Lookout({"actors", "history", id});
  ASSERT_EQ(history.code, kExitOk) << history.err;
  const std::vector<std::string> rows = absl::StrSplit(history.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 2u) << history.out;  // header, created
  EXPECT_THAT(rows[0], HasSubstr("WHO"));
  EXPECT_THAT(rows[0], HasSubstr("WHY"));
  EXPECT_THAT(rows[1], HasSubstr("created"));
  EXPECT_THAT(rows[1], HasSubstr("name"));
  EXPECT_THAT(rows[1], HasSubstr("named in a field report"));
  CliRun json = Lookout({"actors", "history", id, "-o", "json"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"changedPaths\""));
  EXPECT_EQ(Lookout({"actors", "history"}).code, kExitUsage);
  EXPECT_NE(Lookout({"actors", "history", "act_0000000000000000"}).code, kExitOk);
  // A bad reason is the server's INVALID_ARGUMENT (a usage error) naming it; nothing created.
  CliRun refused =
      Lookout({"actors", "resolve", "Bad Reason", "--create-missing", "--reason", "a\tb"});
  EXPECT_EQ(refused.code, kExitUsage);
  EXPECT_THAT(refused.err, HasSubstr("reason"));
  EXPECT_EQ(Lookout({"actors", "resolve", "Bad Reason"}).code, kExitPartial);

  // An import's reason goes with the actors it creates.
  const std::string row =
      R"({"event":{"eventDate":"2024-01-01","eventType":"EVENT_TYPE_RIOTS","subEventType":"Violent demonstration","location":{"countryCode":"HTI"},"participants":[{"role":"PARTICIPANT_ROLE_PRIMARY"}]},"actors":[{"name":"Kraze Baryè","type":"ACTOR_TYPE_CRIMINAL_GROUP"}]})";
  CliRun imported = Lookout(
      {"import", "jsonl", WriteFile("actors.jsonl", row + "\n"), "--reason", "weekly batch"});
  ASSERT_EQ(imported.code, kExitOk) << imported.err << imported.out;
  CliRun found = Lookout({"actors", "resolve", "Kraze Baryè", "-o", "csv"});
  ASSERT_EQ(found.code, kExitOk) << found.err;
  const std::vector<std::string> found_lines = absl::StrSplit(found.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(found_lines.size(), 2u) << found.out;
  const std::string gang = std::vector<std::string>(absl::StrSplit(found_lines[1], ','))[1];
  CliRun gang_history = Lookout({"actors", "history", gang});
  ASSERT_EQ(gang_history.code, kExitOk) << gang_history.err;
  EXPECT_THAT(gang_history.out, HasSubstr("weekly batch"));
}

// Issue 26: an upsert that changes an event shows in its history (what changed), and --as-of
// on events get, events list and export reads the event as it was before.
TEST_F(CliAgainstServicesTest, HistoryShowsEachChangeAndAsOfReadsThePast) {
  const std::string row =
      R"({"event":{"eventDate":"2024-01-01","eventType":"EVENT_TYPE_RIOTS","subEventType":"Violent demonstration","location":{"countryCode":"HTI"},"notes":"NOTES","externalIds":[{"scheme":"T","value":"1"}]}})";
  auto with_notes = [&](const std::string& notes) {
    return absl::StrReplaceAll(row, {{"NOTES", notes}}) + "\n";
  };
  CliRun first = Lookout({"import", "jsonl", WriteFile("v1.jsonl", with_notes("first account"))});
  ASSERT_EQ(first.code, kExitOk) << first.err;
  CliRun second = Lookout({"import", "jsonl", WriteFile("v2.jsonl", with_notes("corrected account")),
                           "--reason", "source corrected its figures"});
  ASSERT_EQ(second.code, kExitOk) << second.err;
  ASSERT_THAT(second.out, HasSubstr("updated 1")) << second.out;

  CliRun listed = Lookout({"events", "list", "-o", "csv"});
  const std::vector<std::string> lines = absl::StrSplit(listed.out, '\n');
  ASSERT_GE(lines.size(), 2u) << listed.out;
  const std::string id = std::vector<std::string>(absl::StrSplit(lines[1], ','))[0];
  ASSERT_EQ(id.substr(0, 4), "evt_") << listed.out;

  CliRun history = Lookout({"events", "history", id});
  ASSERT_EQ(history.code, kExitOk) << history.err;
  const std::vector<std::string> rows = absl::StrSplit(history.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 3u) << history.out;  // header, updated, created
  EXPECT_THAT(rows[0], HasSubstr("SEQUENCE"));
  EXPECT_THAT(rows[0], HasSubstr("WHO"));
  EXPECT_THAT(rows[0], HasSubstr("WHY"));
  EXPECT_THAT(rows[1], HasSubstr("updated"));
  EXPECT_THAT(rows[1], HasSubstr("notes"));
  EXPECT_THAT(rows[1], HasSubstr("source corrected its figures"));
  EXPECT_THAT(rows[1], ::testing::Not(HasSubstr("event_date")));
  EXPECT_THAT(rows[2], HasSubstr("created"));
  CliRun json = Lookout({"events", "history", id, "-o", "json"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"changedPaths\""));

  // The creation was change 1 of this fresh log: as of then, the first account.
  CliRun then = Lookout({"events", "get", id, "--as-of", "1", "-o", "json"});
  ASSERT_EQ(then.code, kExitOk) << then.err;
  EXPECT_THAT(then.out, HasSubstr("first account"));
  CliRun now = Lookout({"events", "get", id, "-o", "json"});
  EXPECT_THAT(now.out, HasSubstr("corrected account"));
  CliRun list_then = Lookout({"events", "list", "--as-of", "1", "-o", "csv"});
  ASSERT_EQ(list_then.code, kExitOk) << list_then.err;
  EXPECT_THAT(list_then.out, HasSubstr("first account"));
  CliRun export_then = Lookout({"export", "events", "--as-of", "1"});
  ASSERT_EQ(export_then.code, kExitOk) << export_then.err;
  EXPECT_THAT(export_then.out, HasSubstr("first account"));
  EXPECT_THAT(export_then.out, ::testing::Not(HasSubstr("corrected account")));

  // A time: before anything was written, nothing; far ahead, the present.
  CliRun before = Lookout({"events", "list", "--as-of", "2000-01-01"});
  ASSERT_EQ(before.code, kExitOk) << before.err;
  EXPECT_EQ(before.out, "No events match.\n");
  CliRun ahead = Lookout({"events", "get", id, "--as-of", "2099-01-01T00:00:00Z", "-o", "json"});
  ASSERT_EQ(ahead.code, kExitOk) << ahead.err;
  EXPECT_THAT(ahead.out, HasSubstr("corrected account"));
  EXPECT_EQ(Lookout({"events", "list", "--as-of", "yesterday"}).code, kExitUsage);
  // export takes a time too: before the first change nothing, far ahead the present.
  CliRun export_before =
      Lookout({"export", "events", "--format", "jsonl", "--as-of", "2000-01-01"});
  ASSERT_EQ(export_before.code, kExitOk) << export_before.err;
  EXPECT_EQ(export_before.out, "");
  CliRun export_ahead =
      Lookout({"export", "events", "--format", "jsonl", "--as-of", "2099-01-01T00:00:00Z"});
  ASSERT_EQ(export_ahead.code, kExitOk) << export_ahead.err;
  EXPECT_THAT(export_ahead.out, HasSubstr("corrected account"));
  EXPECT_THAT(export_ahead.out, ::testing::Not(HasSubstr("first account")));

  // Compaction before the far future leaves the newest revision only, and the present as it is.
  CliRun compacted = Lookout({"events", "compact-history", "--before", "2099-01-01"});
  ASSERT_EQ(compacted.code, kExitOk) << compacted.err;
  EXPECT_THAT(compacted.out, HasSubstr("removed 1 superseded revisions"));
  CliRun after_compaction = Lookout({"events", "history", id});
  EXPECT_EQ(std::count(after_compaction.out.begin(), after_compaction.out.end(), '\n'), 2)
      << after_compaction.out;
  CliRun still = Lookout({"events", "get", id, "-o", "json"});
  EXPECT_THAT(still.out, HasSubstr("corrected account"));
  EXPECT_EQ(Lookout({"events", "compact-history", "--before", "soon"}).code, kExitUsage);

  // Bad values are usage errors; a sequence past the head is the server's FAILED_PRECONDITION.
  EXPECT_EQ(Lookout({"events", "get", id, "--as-of", "0"}).code, kExitUsage);
  EXPECT_EQ(Lookout({"export", "events", "--as-of", "x"}).code, kExitUsage);
  CliRun future = Lookout({"events", "get", id, "--as-of", "99"});
  EXPECT_NE(future.code, kExitOk);
  EXPECT_THAT(future.err, HasSubstr("as_of_sequence"));
}

}  // namespace
}  // namespace lookout::cli
