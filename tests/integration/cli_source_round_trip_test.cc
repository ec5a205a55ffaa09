// Importing a source's file and exporting the events in that source's format gives every column
// of every accepted row back (numbers compared as numbers) and leaves the rejected rows out: the
// real UCDP GED sample, the real GDELT 2.0 batch (all 61 columns), an ACLED fixture with every
// column filled, and the ACLED and GDELT fixtures at sea, through the lookout client against the
// real actor and event services, with the event service on each store.
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/app/cli.h"
#include "cli/app/exit_codes.h"
#include "cli/export/source_rows.h"
#include "cli/import/csv_reader.h"
#include "cli/testing/backend_processes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::cli {
namespace {

const std::string kFixtures = LOOKOUT_FIXTURES_DIR;

struct Table {
  std::vector<std::string> header;
  // Record fields with the line each record starts on.
  std::vector<CsvRecord> rows;
};

Table ReadTable(const std::string& text, bool tsv, bool has_header) {
  std::istringstream in(text);
  CsvReader::Options options;
  if (tsv) {
    options.delimiter = '\t';
    options.quoting = false;
  }
  CsvReader reader(&in, options);
  Table table;
  CsvRecord record;
  std::string error;
  bool first = has_header;
  for (;;) {
    CsvReader::Result result = reader.Next(&record, &error);
    if (result == CsvReader::Result::kEnd) break;
    EXPECT_EQ(result, CsvReader::Result::kRecord) << error;
    if (first) {
      table.header = record.fields;
      first = false;
      continue;
    }
    // HDX's row of HXL hashtags is no event.
    if (!record.fields.empty() && !record.fields[1].empty() && record.fields[1][0] == '#') continue;
    table.rows.push_back(record);
  }
  return table;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Equal as text, or both numbers of equal value ("-7.0" and "-7", "8" and "8.0").
bool SameValue(const std::string& a, const std::string& b) {
  if (a == b) return true;
  double x = 0, y = 0;
  return !a.empty() && !b.empty() && absl::SimpleAtod(a, &x) && absl::SimpleAtod(b, &y) && x == y;
}

// The event service on an SQLite file, then on a PostgreSQL database: the same rows back.
class SourceRoundTripTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    backends_ = std::make_unique<cli_testing::BackendProcesses>(LOOKOUT_BIN_DIR);
    const StoreLocation location =
        lookout::testing::TestStoreLocation(GetParam(), dir_.File("event-unused.db"), "event");
    absl::Status started =
        backends_->Start(dir_.path() + "/data", lookout::testing::StoreFlags(location));
    ASSERT_TRUE(started.ok()) << started;
  }

  // `quiet` false keeps the summary lines the command prints on stderr.
  int Lookout(std::vector<std::string> argv, std::string* out, std::string* err,
              bool quiet = true) {
    argv.insert(argv.end(), {"--addr", backends_->event_addr(), "--event-addr",
                             backends_->event_addr(), "--actor-addr", backends_->actor_addr(),
                             "--internal-token", backends_->token()});
    if (quiet) argv.push_back("--quiet");
    Environment environment;
    environment.get = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    std::ostringstream out_stream, err_stream;
    const int code = RunCli(argv, out_stream, err_stream, environment);
    *out = out_stream.str();
    *err = err_stream.str();
    return code;
  }

  // Imports `file` as `format`, exports it in the same format, and compares every column of
  // every row the import accepted; returns how many rows were compared. `changed` names, by row
  // id and column, the value the export writes where it differs from the file by design.
  using Changes = std::map<std::string, std::map<std::string, std::string>>;
  size_t RoundTrip(const std::string& format, const std::string& file, bool tsv,
                   size_t expected_rejected, const Changes& changed = {}) {
    std::string out, err;
    const int imported = Lookout({"import", format, file}, &out, &err);
    EXPECT_TRUE(imported == kExitOk || imported == kExitPartial) << err;
    // Rejected rows are reported as "FILE:LINE: column: reason".
    std::set<int64_t> rejected_lines;
    for (absl::string_view line : absl::StrSplit(err, '\n')) {
      if (!absl::ConsumePrefix(&line, file + ":")) continue;
      int64_t number = 0;
      if (absl::SimpleAtoi(line.substr(0, line.find(':')), &number)) rejected_lines.insert(number);
    }
    EXPECT_EQ(rejected_lines.size(), expected_rejected) << err;

    const int exported = Lookout({"export", "events", "--format", format}, &out, &err);
    EXPECT_EQ(exported, kExitOk) << err;
    const SourceFormat source_format = format == "acled"  ? SourceFormat::kAcled
                                       : format == "ucdp" ? SourceFormat::kUcdp
                                                          : SourceFormat::kGdelt;
    const std::vector<std::string>& columns = SourceColumns(source_format);
    Table exported_table = ReadTable(out, tsv, !tsv);
    if (!tsv) {
      EXPECT_EQ(exported_table.header, columns);
    }
    std::map<std::string, const CsvRecord*> by_id;
    for (const CsvRecord& row : exported_table.rows) {
      EXPECT_EQ(row.fields.size(), columns.size()) << "exported line " << row.line;
      EXPECT_TRUE(by_id.emplace(row.fields[0], &row).second) << "id twice: " << row.fields[0];
    }

    Table original = ReadTable(ReadFile(file), tsv, !tsv);
    std::vector<std::string> original_header = tsv ? columns : original.header;
    size_t compared = 0;
    for (const CsvRecord& row : original.rows) {
      const std::string& id = row.fields[0];
      auto found = by_id.find(id);
      if (rejected_lines.count(row.line) > 0) {
        EXPECT_EQ(found, by_id.end())
            << "rejected row " << id << " (line " << row.line << ") was exported";
        continue;
      }
      if (found == by_id.end()) {
        ADD_FAILURE() << "row " << id << " (line " << row.line << ") is missing from the export";
        continue;
      }
      ++compared;
      const std::vector<std::string>& back = found->second->fields;
      for (size_t c = 0; c < original_header.size() && c < row.fields.size(); ++c) {
        const auto column = std::find(columns.begin(), columns.end(), original_header[c]);
        if (column == columns.end()) {
          ADD_FAILURE() << "column " << original_header[c] << " is not exported";
          continue;
        }
        const std::string& exported_value = back[column - columns.begin()];
        std::string original_value(absl::StripAsciiWhitespace(row.fields[c]));
        if (auto by_row = changed.find(id); by_row != changed.end()) {
          auto value = by_row->second.find(original_header[c]);
          if (value != by_row->second.end()) original_value = value->second;
        }
        EXPECT_TRUE(SameValue(original_value, exported_value))
            << "row " << id << " (line " << row.line << "), column " << original_header[c]
            << ": file has \"" << original_value << "\", export has \"" << exported_value << "\"";
      }
    }
    EXPECT_EQ(compared + rejected_lines.size(), original.rows.size());
    return compared;
  }

  testing::TempDir dir_;
  std::unique_ptr<cli_testing::BackendProcesses> backends_;
};

TEST_P(SourceRoundTripTest, UcdpSampleGivesEveryColumnOfEveryAcceptedRowBack) {
  // 601 events; id 84006 (low 0, best 3, high 0) is rejected.
  EXPECT_EQ(RoundTrip("ucdp", kFixtures + "/ucdp/real_ged191_bgd_hxl.csv", false, 1), 600u);
}

TEST_P(SourceRoundTripTest, GdeltBatchGivesAll61ColumnsOfEveryAcceptedRowBack) {
  // 2,111 rows; rejected: the 37 GDELT could not place in a country, and one placed where ISO
  // has no country ("YI" Serbia and Montenegro). The one in the Black Sea ("OS") is an event at
  // sea and comes back as GDELT's ocean feature.
  EXPECT_EQ(RoundTrip("gdelt", kFixtures + "/gdelt/real_20191024143000.export.tsv", true, 38),
            2073u);
}

TEST_P(SourceRoundTripTest, TheCliFiltersOnGdeltAttributesSelectWhatTheFileSays) {
  const std::string file = kFixtures + "/gdelt/real_20191024143000.export.tsv";
  std::string out, err;
  ASSERT_EQ(Lookout({"import", "gdelt", file}, &out, &err), kExitPartial) << err;
  Table original = ReadTable(ReadFile(file), true, false);
  // The accepted rows: those with an ActionGeo country ISO knows, and the one at sea ("OS"), as
  // the round trip found.
  std::vector<const CsvRecord*> accepted;
  for (const CsvRecord& row : original.rows) {
    const std::string& fips = row.fields[53];
    if (!fips.empty() && fips != "YI") accepted.push_back(&row);
  }
  ASSERT_EQ(accepted.size(), 2073u);
  auto number = [](const std::string& text) {
    double value = 0;
    EXPECT_TRUE(absl::SimpleAtod(text, &value)) << text;
    return value;
  };
  struct Case {
    std::vector<std::string> flags;
    std::function<bool(const std::vector<std::string>&)> keeps;
  };
  const std::vector<Case> cases = {
      {{"--min-goldstein", "-10", "--max-goldstein", "-5"},
       [&](const auto& f) { return number(f[30]) >= -10 && number(f[30]) <= -5; }},
      {{"--max-tone", "-3"}, [&](const auto& f) { return number(f[34]) <= -3; }},
      {{"--quad-class", "2,3"}, [&](const auto& f) { return f[29] == "2" || f[29] == "3"; }},
      {{"--min-mentions", "10", "--root-event", "true"},
       [&](const auto& f) { return number(f[31]) >= 10 && f[25] == "1"; }},
      {{"--root-event", "false", "--min-tone", "0"},
       [&](const auto& f) { return f[25] == "0" && number(f[34]) >= 0; }},
      {{"--disorder-type", "Political violence"}, [](const auto&) { return false; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrJoin(c.flags, " "));
    std::set<std::string> expected;
    for (const CsvRecord* row : accepted) {
      if (c.keeps(row->fields)) expected.insert(row->fields[0]);
    }
    std::vector<std::string> argv = {"export", "events", "--format", "gdelt"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    ASSERT_EQ(Lookout(argv, &out, &err), kExitOk) << err;
    std::set<std::string> exported;
    for (const CsvRecord& row : ReadTable(out, true, false).rows) exported.insert(row.fields[0]);
    EXPECT_EQ(exported, expected);
    // Each GDELT case selects some rows and leaves some out (369, 865, 537, 221, 159 of 2073).
    if (c.flags[0] != "--disorder-type") {
      EXPECT_GT(expected.size(), 100u);
      EXPECT_LT(expected.size(), accepted.size());
    }
  }
  // A bad value is a usage error naming the flag, before any call.
  EXPECT_EQ(Lookout({"events", "list", "--root-event", "maybe"}, &out, &err), kExitUsage);
  EXPECT_THAT(err, ::testing::HasSubstr("--root-event must be true or false"));
  // A value out of range is the service's INVALID_ARGUMENT naming the field.
  EXPECT_NE(Lookout({"events", "list", "--quad-class", "5"}, &out, &err), kExitOk);
  EXPECT_THAT(err, ::testing::HasSubstr("filter.quad_classes[0]"));
}

TEST_P(SourceRoundTripTest, AcledFixtureWithEveryColumnFilledComesBack) {
  EXPECT_EQ(RoundTrip("acled", kFixtures + "/acled/acled_every_column.csv", false, 0), 3u);
}

TEST_P(SourceRoundTripTest, AcledSeaEventsComeBackInTheMaritimeHierarchy) {
  // Three rows at sea (country the basin, admin1-3 region, body of water and sub-basin, location
  // the place) and three on land or in territorial waters. Every column comes back, the basin
  // as ACLED spelled it ("mediterranean sea"); only the sea row's iso of 0, which ACLED's reader
  // ignores at sea, is written empty, as ACLED writes it for a sea event.
  EXPECT_EQ(RoundTrip("acled", kFixtures + "/acled/acled_sea.csv", false, 0,
                      {{"MLT9806", {{"iso", ""}}}}),
            6u);
}

TEST_P(SourceRoundTripTest, GdeltOceanFeaturesComeBack) {
  // Two rows at sea (FIPS "OS"): the Black Sea, a basin, and the Gulf of Aden, a body of water;
  // each ActionGeo column comes back. The hand-written second row leaves its actors' geography
  // types empty, which the export writes as GDELT does for no geography: 0.
  EXPECT_EQ(RoundTrip("gdelt", kFixtures + "/gdelt/gdelt_sea.tsv", true, 0,
                      {{"990000901", {{"Actor1Geo_Type", "0"}, {"Actor2Geo_Type", "0"}}}}),
            2u);
}

TEST_P(SourceRoundTripTest, UcdpLeavesOutSeaEventsAndSaysSo) {
  // The ACLED sea fixture's six rows are all organised violence: UCDP takes the three on land or
  // in territorial waters and counts the three at sea apart.
  std::string out, err;
  ASSERT_EQ(Lookout({"import", "acled", kFixtures + "/acled/acled_sea.csv"}, &out, &err), kExitOk)
      << err;
  ASSERT_EQ(Lookout({"export", "events", "--format", "ucdp"}, &out, &err, /*quiet=*/false),
            kExitOk)
      << err;
  const std::vector<std::string>& columns = SourceColumns(SourceFormat::kUcdp);
  const size_t place = std::find(columns.begin(), columns.end(), "where_coordinates") -
                       columns.begin();
  std::set<std::string> places;
  for (const CsvRecord& row : ReadTable(out, false, true).rows) places.insert(row.fields[place]);
  EXPECT_EQ(places, (std::set<std::string>{"Port-de-Paix", "Coast of Port-de-Paix",
                                           "Coast of Al Hudaydah"}));
  EXPECT_THAT(err, ::testing::HasSubstr("exported 3 events"));
  EXPECT_THAT(err, ::testing::HasSubstr(
                       "left out 3 events at sea (UCDP GED places every event in a country)"));
  EXPECT_THAT(err, ::testing::Not(::testing::HasSubstr("organised violence only")));
}

INSTANTIATE_TEST_SUITE_P(Backends, SourceRoundTripTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::cli
