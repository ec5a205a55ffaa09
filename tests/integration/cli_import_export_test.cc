// The lookout client against the real actor and event services (child processes, called
// directly with the internal token): importing fixtures, re-importing (nothing new), rows the
// server rejects reported on their lines, actor names resolved in batches, dry runs, and an
// export -> import round trip into a second, empty Lookout that loses nothing.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/app/cli.h"
#include "cli/app/exit_codes.h"
#include "cli/app/importer.h"
#include "cli/import/jsonl_format.h"
#include "cli/testing/backend_processes.h"
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

TEST_F(CliAgainstServicesTest, ResolvesManyActorNamesInBatches) {
  // 1,200 rows naming 2,400 different actors: several ResolveActors rounds, each name once.
  std::string csv =
      "event_id_cnty,event_date,event_type,sub_event_type,actor1,inter1,actor2,inter2,iso\n";
  for (int i = 0; i < 1200; ++i) {
    absl::StrAppend(&csv, "B", i, ",2024-01-", 10 + i % 20, ",Battles,Armed clash,Group ", i,
                    ",3,Group ", i + 1200, ",", i % 2 ? "1" : "Rebel group", ",332\n");
  }
  std::istringstream in(csv);
  ApiClient client(backends_->DirectConfig());
  std::ostringstream err;
  ImportSettings settings;
  settings.batch_size = 500;
  Importer importer(&client, settings, &err);
  ImportTally tally;
  absl::Status status = importer.Import(&in, ImportFormat::kAcled, "generated", nullptr, &tally);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(tally.created, 1200);
  EXPECT_EQ(tally.rejected, 0);
  EXPECT_EQ(importer.resolver().created(), 2400);
  // Three batches, each a call per (type, country) group: far fewer calls than names.
  EXPECT_LE(importer.resolver().calls(), 12);

  CliRun actors = Lookout({"actors", "list", "--query", "Group 2399", "-o", "csv"});
  EXPECT_EQ(actors.code, kExitOk);
  EXPECT_THAT(actors.out, HasSubstr(",Group 2399,STATE_FORCES,HTI,"));
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
            "update_time");
  EXPECT_THAT(lines[1], HasSubstr(",2024-01-15,,DAY,AID,Humanitarian aid,USA,Florida,"));
  EXPECT_THAT(lines[1], HasSubstr("INITIATOR: UNITED STATES"));
  EXPECT_THAT(lines[2], HasSubstr(",RIOTS,Violent demonstration,USA,"));
}

}  // namespace
}  // namespace lookout::cli
