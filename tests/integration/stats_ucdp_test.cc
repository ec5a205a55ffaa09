// The real UCDP GED sample (Bangladesh, 1989-2018) imported through ImportEvents and aggregated
// by year and event type; the totals must match what this test computes straight from the CSV.
// UCDP's type_of_violence 1 (state-based) and 2 (non-state) are BATTLES, 3 (one-sided) is
// VIOLENCE_AGAINST_CIVILIANS; deaths are `best`. Skips when ../shared/data is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/stats_cluster.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using testing::StatsCluster;

constexpr char kFile[] = LOOKOUT_SHARED_DATA_DIR "/ucdp_ged_conflict_data_BGD_hxl.csv";

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
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
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

struct UcdpRow {
  std::map<std::string, std::string> fields;
  const std::string& operator[](const std::string& name) const { return fields.at(name); }
  int64_t Int(const std::string& name) const {
    int64_t value = 0;
    EXPECT_TRUE(absl::SimpleAtoi(fields.at(name), &value)) << name << "=" << fields.at(name);
    return value;
  }
};

std::vector<UcdpRow> ReadUcdp() {
  std::ifstream in(kFile);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::vector<std::vector<std::string>> records = ParseCsv(buffer.str());
  std::vector<UcdpRow> rows;
  const std::vector<std::string>& header = records.at(0);
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& record = records[r];
    if (record.size() == 1 && record[0].empty()) continue;  // trailing newline
    // HDX adds a row of HXL hashtags under the header.
    if (r == 1 && record.size() > 1 && !record[1].empty() && record[1][0] == '#') continue;
    EXPECT_EQ(record.size(), header.size()) << "record " << r;
    UcdpRow row;
    for (size_t i = 0; i < header.size() && i < record.size(); ++i) {
      row.fields[header[i]] = record[i];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Event ToEvent(const UcdpRow& row) {
  Event e;
  auto* id = e.add_external_ids();
  id->set_scheme("UCDP");
  id->set_value(row["id"]);
  e.set_event_date(row["date_start"]);
  if (row["date_end"] != row["date_start"]) e.set_end_date(row["date_end"]);
  const int64_t type = row.Int("type_of_violence");
  e.set_event_type(type == 3 ? event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS
                             : event::v1::EVENT_TYPE_BATTLES);
  e.set_sub_event_type(type == 3 ? "Attack" : "Armed clash");
  auto* location = e.mutable_location();
  location->set_country_code(row["iso3"].empty() ? "BGD" : row["iso3"]);
  location->set_admin1(row["adm_1"]);
  location->set_admin2(row["adm_2"]);
  location->set_place(row["where_coordinates"]);
  double latitude, longitude;
  if (absl::SimpleAtod(row["latitude"], &latitude) &&
      absl::SimpleAtod(row["longitude"], &longitude)) {
    location->set_latitude(latitude);
    location->set_longitude(longitude);
  }
  auto* killed = e.add_casualties();
  killed->set_kind(event::v1::CASUALTY_KIND_KILLED);
  killed->mutable_count()->set_best(row.Int("best"));
  killed->mutable_count()->set_low(row.Int("low"));
  killed->mutable_count()->set_high(row.Int("high"));
  e.set_notes(row["source_headline"].substr(0, 2000));
  return e;
}

// The same import and totals with the events on each backend.
class StatsUcdpTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {};

TEST_P(StatsUcdpTest, YearAndTypeTotalsMatchTheCsv) {
  if (!std::filesystem::exists(kFile)) GTEST_SKIP() << "no UCDP sample at " << kFile;
  const std::vector<UcdpRow> rows = ReadUcdp();
  // The facts shared/data/README.md states about the file, so the parser is known good.
  ASSERT_EQ(rows.size(), 601u);
  std::map<int64_t, int> by_type;
  for (const UcdpRow& row : rows) ++by_type[row.Int("type_of_violence")];
  EXPECT_EQ(by_type, (std::map<int64_t, int>{{1, 270}, {2, 207}, {3, 124}}));

  // The expectation, computed from the CSV alone. A row breaking low <= best <= high is one
  // the service must reject (UCDP id 84006: low 0, best 3, high 0).
  std::map<std::string, std::pair<int64_t, int64_t>> expected;
  int64_t expected_events = 0, expected_deaths = 0;
  std::vector<int> bad_rows;
  for (size_t i = 0; i < rows.size(); ++i) {
    const UcdpRow& row = rows[i];
    if (!(row.Int("low") <= row.Int("best") && row.Int("best") <= row.Int("high"))) {
      bad_rows.push_back(static_cast<int>(i));
      continue;
    }
    const std::string type =
        row.Int("type_of_violence") == 3 ? "VIOLENCE_AGAINST_CIVILIANS" : "BATTLES";
    auto& cell = expected[row["date_start"].substr(0, 4) + "|" + type];
    ++cell.first;
    cell.second += row.Int("best");
    ++expected_events;
    expected_deaths += row.Int("best");
  }
  ASSERT_EQ(bad_rows.size(), 1u);
  EXPECT_EQ(rows[bad_rows[0]]["id"], "84006");

  lookout::testing::TempDir dir;
  StatsCluster cluster(dir.path());
  cluster.SetEventStore(
      lookout::testing::TestStoreLocation(GetParam(), dir.File("event.db"), "event"));
  cluster.StartActor();
  cluster.StartEvent();
  cluster.StartStats();
  ASSERT_TRUE(cluster.WaitStatsServing());

  auto context = StatsCluster::Context(absl::Seconds(60));
  event::v1::ImportEventsResponse imported;
  auto writer = cluster.events().ImportEvents(context.get(), &imported);
  for (const UcdpRow& row : rows) {
    event::v1::ImportEventsRequest message;
    *message.mutable_event() = ToEvent(row);
    ASSERT_TRUE(writer->Write(message));
  }
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(imported.received(), 601);
  EXPECT_EQ(imported.created(), expected_events);
  ASSERT_EQ(imported.rejected(), 1) << imported.DebugString();
  EXPECT_EQ(imported.errors(0).index(), bad_rows[0]);

  v1::AggregateEventsRequest request;
  request.add_group_by(v1::DIMENSION_YEAR);
  request.add_group_by(v1::DIMENSION_EVENT_TYPE);
  request.set_as_of_sequence(cluster.Head());
  v1::AggregateEventsResponse response;
  grpc::Status status =
      cluster.stats().AggregateEvents(StatsCluster::Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::map<std::string, std::pair<int64_t, int64_t>> actual;
  for (const auto& row : response.rows()) {
    actual[row.keys(0) + "|" + row.keys(1)] = {row.event_count(), row.fatalities()};
  }
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(response.total_events(), expected_events);
  EXPECT_EQ(response.total_fatalities(), expected_deaths);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsUcdpTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::stats
