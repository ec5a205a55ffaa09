// The dataset format behind `lookout load`, and the demo dataset in data/ against it.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "cli/import/dataset_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HaitiDemoDatasetTest, EncodesTheSeedFacts) {
  absl::StatusOr<Dataset> dataset =
      ParseDataset(ReadFile(std::string(LOOKOUT_SOURCE_DIR) + "/data/haiti-demo.json"));
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->name, "haiti-demo");
  EXPECT_EQ(dataset->actors.size(), 15u);
  EXPECT_EQ(dataset->relationships.size(), 8u);
  ASSERT_EQ(dataset->events.size(), 7u);
  ASSERT_EQ(dataset->figures.size(), 3u);

  std::set<std::string> external_ids;
  for (const DatasetEvent& event : dataset->events) {
    EXPECT_FALSE(event.participants.empty());
    EXPECT_EQ(event.event.external_ids(0).scheme(), "LOOKOUT-DEMO");
    external_ids.insert(event.event.external_ids(0).value());
    EXPECT_FALSE(event.event.notes().empty());
    EXPECT_FALSE(event.event.sources().empty());
  }
  EXPECT_EQ(external_ids.size(), 7u);  // distinct, so reloading updates each one

  // The October 2022 request, month precision, and the displacement count with its floor.
  const auto& request = dataset->events[0].event;
  EXPECT_EQ(request.event_type(), event::v1::EVENT_TYPE_REQUEST);
  EXPECT_EQ(request.date_precision(), type::v1::DATE_PRECISION_MONTH);
  EXPECT_EQ(request.event_date(), "2022-10-01");
  const auto& displacement = dataset->events[6].event;
  ASSERT_EQ(displacement.casualties_size(), 1);
  EXPECT_EQ(displacement.casualties(0).kind(), event::v1::CASUALTY_KIND_DISPLACED);
  EXPECT_EQ(displacement.casualties(0).count().best(), 1000);
  EXPECT_EQ(displacement.casualties(0).count().qualifier(), type::v1::QUALIFIER_AT_LEAST);

  // The three reported figures, with the report's qualifiers.
  EXPECT_EQ(dataset->figures[0].observation.metric(), stats::v1::METRIC_MIGRANT_ENCOUNTERS);
  EXPECT_EQ(dataset->figures[0].observation.value().best(), 105000);
  EXPECT_EQ(dataset->figures[0].observation.value().qualifier(), type::v1::QUALIFIER_AT_LEAST);
  EXPECT_EQ(dataset->figures[1].observation.metric(), stats::v1::METRIC_CASUALTIES_COMBINED);
  EXPECT_EQ(dataset->figures[1].observation.value().qualifier(), type::v1::QUALIFIER_AT_MOST);
  EXPECT_EQ(dataset->figures[2].observation.metric(), stats::v1::METRIC_PERSONNEL_PLEDGED);
  EXPECT_EQ(dataset->figures[2].observation.value().best(), 1000);

  // Parents come first, so the loader can give each child its parent's id.
  EXPECT_EQ(dataset->actors[1].key, "hti-justice");
  EXPECT_EQ(dataset->actors[1].parent_key, "gov-hti");
}

// Every source names the news report the demo comes from, or the outlet it cites: the Miami
// Herald for the equipment shipments (never a name made up for the project, like "Seed news
// report").
TEST(HaitiDemoDatasetTest, SourcesNameTheReportOrTheOutletItCites) {
  absl::StatusOr<Dataset> dataset =
      ParseDataset(ReadFile(std::string(LOOKOUT_SOURCE_DIR) + "/data/haiti-demo.json"));
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  const std::string report = "News report (February 2024)";
  std::map<std::string, std::string> event_sources;  // external id -> the source named
  for (const DatasetEvent& event : dataset->events) {
    ASSERT_EQ(event.event.sources_size(), 1);
    event_sources[event.event.external_ids(0).value()] = event.event.sources(0).name();
  }
  for (const auto& [id, source] : event_sources) {
    EXPECT_EQ(source, id == "usa-2024-02-equipment-shipment" ? "Miami Herald" : report) << id;
  }
  for (const DatasetRelationship& relationship : dataset->relationships) {
    const std::string& name = relationship.relationship.source().name();
    EXPECT_TRUE(name.empty() || name == report) << name;
  }
  EXPECT_EQ(dataset->figures[1].observation.source().name(), report);
  EXPECT_EQ(dataset->figures[0].observation.source().name(), "U.S. Customs and Border Protection");
  EXPECT_EQ(dataset->figures[2].observation.source().name(), "High Court of Kenya ruling");
  EXPECT_EQ(ReadFile(std::string(LOOKOUT_SOURCE_DIR) + "/data/haiti-demo.json").find("Seed"),
            std::string::npos);
}

TEST(DatasetFormatTest, NamesTheEntryThatIsWrong) {
  auto message = [](const std::string& json) {
    return std::string(ParseDataset(json).status().message());
  };
  EXPECT_EQ(message(R"({"actors": []})"), "dataset.name: is required");
  EXPECT_EQ(message(R"({"name": "x", "extra": 1})"), "dataset.extra: is not a known field");
  EXPECT_EQ(message(R"({"name": "x", "actors": [{"key": "a", "parentKey": "b", "actor": {}}]})"),
            "actors[0].parentKey: \"b\" is not an earlier actor's key");
  EXPECT_EQ(message(R"({"name": "x", "actors": [{"key": "a", "actor": {}},
                                                   {"key": "a", "actor": {}}]})"),
            "actors[1].key: \"a\" is used twice");
  EXPECT_EQ(message(R"({"name": "x", "events": [{"event": {"eventDate": "2024-01-01"}}]})"),
            "events[0].event.externalIds: is required (loading the dataset again updates events "
            "by external id)");
  EXPECT_EQ(message(R"({"name": "x", "events": [{"participants": [{"actorKey": "nobody",
              "role": "PARTICIPANT_ROLE_PRIMARY"}], "event": {"externalIds": [{"scheme": "S",
              "value": "1"}]}}]})"),
            "events[0].participants[0].actorKey: \"nobody\" is not an actor's key");
  EXPECT_EQ(message(R"({"name": "x", "actors": [{"key": "a", "actor": {"nmae": "A"}}]})"),
            "actors[0].actor: nmae: Cannot find field.");
  EXPECT_THAT(message("not json"), ::testing::StartsWith("dataset: is not a JSON object"));
}

}  // namespace
}  // namespace lookout::cli
