// The importers on the real samples in ../shared/data (GDELT 2.0 export, UCDP GED for
// Bangladesh): every row is read, and the imported and rejected counts and per-year totals match
// what this test computes from the files on its own, with simpler code than the parsers'.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/import/row_invariants.h"
#include "cli/import/row_reader.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

// ../shared/data next to the repository, or LOOKOUT_SHARED_DATA when set.
std::string SharedDataFile(const std::string& name) {
  const char* env = std::getenv("LOOKOUT_SHARED_DATA");
  std::string dir = env ? env : std::string(LOOKOUT_SOURCE_DIR) + "/../shared/data";
  std::string path = dir + "/" + name;
  std::ifstream probe(path);
  return probe.good() ? path : "";
}

struct Outcome {
  std::vector<ParsedRow> rows;
  std::vector<RowError> errors;
};

Outcome ReadAll(ImportFormat format, const std::string& path, ReaderOptions options = {}) {
  std::ifstream in(path, std::ios::binary);
  auto reader = RowReader::Create(format, &in, options);
  Outcome outcome;
  ParsedRow row;
  RowError error;
  for (;;) {
    RowReader::Result result = reader->Next(&row, &error);
    if (result == RowReader::Result::kEnd) break;
    if (result == RowReader::Result::kRow) {
      // What the parser accepts, the event service must accept too.
      absl::Status valid = CheckRowInvariants(row);
      EXPECT_TRUE(valid.ok()) << path << ":" << row.line << ": " << valid.message();
      outcome.rows.push_back(row);
    } else {
      outcome.errors.push_back(error);
      if (error.fatal) break;
    }
  }
  return outcome;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// GDELT

TEST(GdeltRealSampleTest, EveryRowIsImportedOrRejectedForAKnownReason) {
  const std::string path = SharedDataFile("20191024143000.export.CSV");
  if (path.empty()) GTEST_SKIP() << "../shared/data/20191024143000.export.CSV is absent";

  // Independently: a row is importable unless GDELT gave it no country, or a FIPS code that
  // names no country today (YI: Serbia and Montenegro, dissolved in 2006). OS (oceans) rows
  // are events at sea: the sample's one is in the Black Sea, a maritime basin.
  const std::set<std::string> kNoIsoEquivalent = {"YI"};
  std::map<std::string, std::string> expected_sea;  // id -> basin
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 2111u);
  std::map<std::string, int> expected_per_year;
  std::map<std::string, int> expected_per_root;
  std::set<std::string> expected_ids;
  int expected_rejected = 0, expected_us = 0;
  for (const std::string& line : lines) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    ASSERT_EQ(f.size(), 61u);
    if (f[53].empty() || kNoIsoEquivalent.count(f[53])) {
      ++expected_rejected;
      continue;
    }
    ++expected_per_year[f[1].substr(0, 4)];
    ++expected_per_root[f[28]];
    expected_ids.insert(f[0]);
    if (f[53] == "US") ++expected_us;
    if (f[53] == "OS") {
      ASSERT_TRUE(absl::StartsWith(f[52], "Black Sea,")) << f[52];
      expected_sea[f[0]] = "Black Sea";
    }
  }
  ASSERT_EQ(expected_sea.size(), 1u);

  Outcome outcome = ReadAll(ImportFormat::kGdelt, path);
  EXPECT_EQ(outcome.rows.size() + outcome.errors.size(), 2111u);
  EXPECT_EQ(static_cast<int>(outcome.errors.size()), expected_rejected);
  EXPECT_EQ(outcome.rows.size(), expected_ids.size());

  std::map<std::string, int> per_year;
  std::map<std::string, int> per_root;
  std::set<std::string> ids;
  int us = 0;
  std::map<std::string, std::string> sea;
  for (const ParsedRow& row : outcome.rows) {
    if (row.event.location().country_code().empty()) {
      sea[row.event.external_ids(0).value()] = row.event.location().maritime().basin();
    }
    ++per_year[row.event.event_date().substr(0, 4)];
    ids.insert(row.event.external_ids(0).value());
    if (row.event.location().country_code() == "USA") ++us;
    // The root code survives in the cameo tag ("cameo:0431" -> "04").
    ++per_root[row.event.tags(1).substr(6, 2)];
    EXPECT_EQ(row.event.external_ids(0).scheme(), "GDELT");
  }
  EXPECT_EQ(per_year, expected_per_year);
  EXPECT_EQ(per_root, expected_per_root);
  EXPECT_EQ(ids, expected_ids);
  EXPECT_EQ(us, expected_us);
  EXPECT_EQ(sea, expected_sea);

  // Each rejection names the line it came from, and that line is one of the expected ones.
  for (const RowError& error : outcome.errors) {
    ASSERT_GE(error.line, 1);
    ASSERT_LE(error.line, 2111);
    std::vector<std::string> f = absl::StrSplit(lines[error.line - 1], '\t');
    EXPECT_TRUE(f[53].empty() || kNoIsoEquivalent.count(f[53])) << error.message;
    EXPECT_EQ(error.field, "ActionGeo_CountryCode");
  }
}

// ---------------------------------------------------------------------------------------------
// UCDP

// A plain RFC 4180 splitter, written apart from the importer's reader on purpose.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      records.back().push_back(field);
      field.clear();
      records.emplace_back();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || !records.back().empty()) {
    records.back().push_back(field);
  } else {
    records.pop_back();
  }
  return records;
}

struct YearTotals {
  int events = 0;
  int64_t best = 0;
  bool operator==(const YearTotals& o) const { return events == o.events && best == o.best; }
};

class UcdpRealSampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = SharedDataFile("ucdp_ged_conflict_data_BGD_hxl.csv");
    if (path_.empty())
      GTEST_SKIP() << "../shared/data/ucdp_ged_conflict_data_BGD_hxl.csv is absent";
    std::ifstream in(path_, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    records_ = ParseCsv(text.str());
    ASSERT_GE(records_.size(), 2u);
    const auto& header = records_[0];
    for (size_t i = 0; i < header.size(); ++i) column_[header[i]] = i;
    ASSERT_EQ(records_[1][1], "#date+year");  // the HXL row
  }

  int64_t Number(const std::vector<std::string>& record, const std::string& column) {
    int64_t value = 0;
    EXPECT_TRUE(absl::SimpleAtoi(record[column_.at(column)], &value));
    return value;
  }

  std::string path_;
  std::vector<std::vector<std::string>> records_;
  std::map<std::string, size_t> column_;
};

TEST_F(UcdpRealSampleTest, ImportsEveryEventWithAValidRangeAndRejectsTheRest) {
  std::map<std::string, YearTotals> expected;
  std::map<std::string, int> expected_types;
  std::set<std::string> expected_bad_ids;
  const size_t events = records_.size() - 2;
  ASSERT_EQ(events, 601u);
  for (size_t r = 2; r < records_.size(); ++r) {
    const auto& record = records_[r];
    const int64_t low = Number(record, "low"), best = Number(record, "best"),
                  high = Number(record, "high");
    if (!(low <= best && best <= high)) {
      expected_bad_ids.insert(record[column_["id"]]);
      continue;
    }
    YearTotals& totals = expected[record[column_["date_start"]].substr(0, 4)];
    ++totals.events;
    totals.best += best;
    ++expected_types[record[column_["type_of_violence"]] == "3" ? "one-sided" : "fighting"];
  }
  ASSERT_EQ(expected_bad_ids, std::set<std::string>{"84006"});

  Outcome outcome = ReadAll(ImportFormat::kUcdp, path_);
  EXPECT_EQ(outcome.rows.size() + outcome.errors.size(), events);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].field, "high");
  EXPECT_NE(outcome.errors[0].message.find("low 0, best 3, high 0"), std::string::npos)
      << outcome.errors[0].message;

  std::map<std::string, YearTotals> actual;
  std::map<std::string, int> types;
  for (const ParsedRow& row : outcome.rows) {
    YearTotals& totals = actual[row.event.event_date().substr(0, 4)];
    ++totals.events;
    ASSERT_EQ(row.event.casualties_size(), 1);
    totals.best += row.event.casualties(0).count().best();
    ++types[row.event.event_type() == event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS
                ? "one-sided"
                : "fighting"];
    EXPECT_EQ(row.event.location().country_code(), "BGD");
  }
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(types, expected_types);
}

TEST_F(UcdpRealSampleTest, TheRejectedRowIsReportedOnTheLineItStartsOn) {
  // Records may span lines: find 84006's first physical line in the raw text.
  std::ifstream in(path_, std::ios::binary);
  std::string line;
  int64_t number = 0, expected_line = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("84006,", 0) == 0) expected_line = number;
  }
  ASSERT_GT(expected_line, 0);
  Outcome outcome = ReadAll(ImportFormat::kUcdp, path_);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].line, expected_line);
}

TEST_F(UcdpRealSampleTest, RepairingRangesImportsAllSixHundredAndOne) {
  Outcome outcome = ReadAll(ImportFormat::kUcdp, path_, ReaderOptions{/*repair_ranges=*/true});
  EXPECT_TRUE(outcome.errors.empty());
  ASSERT_EQ(outcome.rows.size(), 601u);
  for (const ParsedRow& row : outcome.rows) {
    if (row.event.external_ids(0).value() != "84006") continue;
    const auto& count = row.event.casualties(0).count();
    EXPECT_EQ(count.low(), 0);
    EXPECT_EQ(count.best(), 3);
    EXPECT_EQ(count.high(), 3);
  }
}

TEST_F(UcdpRealSampleTest, PrecisionCodesCoverEveryValueInTheFile) {
  Outcome outcome = ReadAll(ImportFormat::kUcdp, path_);
  std::set<int> geo, date;
  for (const ParsedRow& row : outcome.rows) {
    geo.insert(row.event.location().geo_precision());
    date.insert(row.event.date_precision());
  }
  // where_prec 1-7 map onto six GeoPrecision values (5 and 7 are both REGION).
  EXPECT_EQ(geo.size(), 6u);
  EXPECT_EQ(geo.count(type::v1::GEO_PRECISION_UNSPECIFIED), 0u);
  // date_prec 1-5 map onto DAY, WEEK, MONTH, YEAR.
  EXPECT_EQ(date.size(), 4u);
}

}  // namespace
}  // namespace lookout::cli
