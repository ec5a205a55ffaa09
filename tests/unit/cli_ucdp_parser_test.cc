// UCDP GED import: every column of the hand-written fixtures (HDX layout with its HXL row, and
// the official release's layout), every rejection reason, and range repair.
#include <string>
#include <vector>

#include "cli/import/ucdp_parser.h"
#include "cli/testing/read_all.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

using cli_testing::ReadFixture;

TEST(UcdpParserTest, MapsEveryColumnOfTheHdxFixture) {
  auto outcome = ReadFixture(ImportFormat::kUcdp, "ucdp/ucdp_valid_hxl.csv");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 4u);

  // State-based violence: the HXL row is skipped, the multi-line citation kept whole.
  const ParsedRow& clash = outcome.rows[0];
  const auto& e = clash.event;
  EXPECT_EQ(clash.line, 3);
  EXPECT_EQ(e.external_ids(0).scheme(), "UCDP");
  EXPECT_EQ(e.external_ids(0).value(), "900001");
  ASSERT_TRUE(e.has_ucdp());
  EXPECT_EQ(e.ucdp().type_of_violence(), 1);
  EXPECT_EQ(e.ucdp().year(), 2020);
  EXPECT_TRUE(e.ucdp().active_year());
  EXPECT_EQ(e.ucdp().conflict_id(), 9001);
  EXPECT_EQ(e.ucdp().conflict_name(), "Haiti: Fictional Front");
  EXPECT_EQ(e.ucdp().dyad_id(), 9101);
  EXPECT_EQ(e.ucdp().side_a_id(), 1);
  EXPECT_EQ(e.ucdp().gwnoa(), "41");
  EXPECT_EQ(e.ucdp().side_b_id(), 2);
  EXPECT_EQ(e.ucdp().number_of_sources(), 2);
  EXPECT_EQ(e.event_type(), event::v1::EVENT_TYPE_BATTLES);
  EXPECT_EQ(e.sub_event_type(), "Armed clash");
  EXPECT_EQ(e.event_date(), "2020-05-01");
  EXPECT_EQ(e.end_date(), "");  // same day
  EXPECT_EQ(e.date_precision(), type::v1::DATE_PRECISION_DAY);
  EXPECT_EQ(e.location().country_code(), "HTI");
  EXPECT_EQ(e.location().admin1(), "Centre");
  EXPECT_EQ(e.location().admin2(), "Mirebalais");
  EXPECT_EQ(e.location().place(), "Mirebalais town");
  EXPECT_DOUBLE_EQ(e.location().latitude(), 18.8333);
  EXPECT_DOUBLE_EQ(e.location().longitude(), -72.1);
  EXPECT_EQ(e.location().geo_precision(), type::v1::GEO_PRECISION_EXACT);
  ASSERT_EQ(e.casualties_size(), 1);
  EXPECT_EQ(e.casualties(0).kind(), event::v1::CASUALTY_KIND_KILLED);
  EXPECT_EQ(e.casualties(0).count().low(), 3);
  EXPECT_EQ(e.casualties(0).count().best(), 3);
  EXPECT_EQ(e.casualties(0).count().high(), 5);
  ASSERT_EQ(e.sources_size(), 2);
  EXPECT_EQ(e.sources(0).name(), "Agence Fictive");
  EXPECT_EQ(e.sources(0).published_date(), "2020-05-01");
  EXPECT_EQ(e.sources(1).name(), "Radio Exemple");
  EXPECT_EQ(e.sources(1).published_date(), "2020-05-02");
  EXPECT_EQ(e.notes(),
            "Conflict: Haiti: Fictional Front\nHeadline: Clash near the river;Three dead\n"
            "Sources: \"Agence Fictive,2020-05-01,Clash near\nthe river\";\"Radio "
            "Exemple,2020-05-02,Three dead\"");
  ASSERT_EQ(clash.actors.size(), 2u);
  EXPECT_EQ(clash.actors[0].name, "Government of Haiti");
  EXPECT_EQ(clash.actors[0].type, actor::v1::ACTOR_TYPE_STATE_FORCES);
  EXPECT_EQ(clash.actors[0].country_code, "HTI");
  EXPECT_EQ(clash.actors[0].role, event::v1::PARTICIPANT_ROLE_PRIMARY);
  EXPECT_EQ(clash.actors[1].name, "Fictional Front");
  EXPECT_EQ(clash.actors[1].type, actor::v1::ACTOR_TYPE_REBEL_GROUP);
  EXPECT_EQ(clash.actors[1].role, event::v1::PARTICIPANT_ROLE_SECONDARY);

  // Non-state: a date range within a week, province precision, the citation as the source.
  const ParsedRow& gangs = outcome.rows[1];
  EXPECT_EQ(gangs.line, 5);  // the citation above spans two lines
  EXPECT_EQ(gangs.event.end_date(), "2020-06-05");
  EXPECT_EQ(gangs.event.date_precision(), type::v1::DATE_PRECISION_WEEK);
  EXPECT_EQ(gangs.event.location().geo_precision(), type::v1::GEO_PRECISION_ADMIN1);
  EXPECT_EQ(gangs.actors[0].type, actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
  EXPECT_EQ(gangs.event.casualties(0).count().low(), 0);
  EXPECT_EQ(gangs.event.casualties(0).count().high(), 2);
  ASSERT_EQ(gangs.event.sources_size(), 1);
  EXPECT_EQ(gangs.event.sources(0).name(),
            "Fictional Wire (2020-06-06): \"Two gangs clash in Cite Soleil\"");

  // One-sided violence against civilians, known to the country only.
  const ParsedRow& attack = outcome.rows[2];
  EXPECT_EQ(attack.event.event_type(), event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  EXPECT_EQ(attack.event.sub_event_type(), "Attack");
  EXPECT_EQ(attack.event.date_precision(), type::v1::DATE_PRECISION_MONTH);
  EXPECT_EQ(attack.event.location().geo_precision(), type::v1::GEO_PRECISION_COUNTRY);
  EXPECT_EQ(attack.actors[1].type, actor::v1::ACTOR_TYPE_CIVILIANS);

  // A foreign government keeps its own country; low and high default to best.
  const ParsedRow& interstate = outcome.rows[3];
  EXPECT_EQ(interstate.event.date_precision(), type::v1::DATE_PRECISION_YEAR);
  EXPECT_EQ(interstate.event.location().geo_precision(), type::v1::GEO_PRECISION_REGION);
  EXPECT_EQ(interstate.actors[1].name, "Government of Dominican Republic");
  EXPECT_EQ(interstate.actors[1].country_code, "DOM");
  EXPECT_EQ(interstate.event.casualties(0).count().low(), 3);
  EXPECT_EQ(interstate.event.casualties(0).count().high(), 3);
}

TEST(UcdpParserTest, ReadsTheOfficialReleaseLayoutWithoutIso3) {
  auto outcome = ReadFixture(ImportFormat::kUcdp, "ucdp/ucdp_official_layout.csv");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 1u);
  const auto& e = outcome.rows[0].event;
  EXPECT_EQ(e.location().country_code(), "YEM");  // "Yemen (North Yemen)"
  EXPECT_EQ(e.event_date(), "2019-03-04");        // "2019-03-04 00:00:00.000"
  EXPECT_EQ(e.casualties(0).count().low(), 6);
  EXPECT_EQ(e.casualties(0).count().best(), 7);
  EXPECT_EQ(e.casualties(0).count().high(), 9);
  EXPECT_EQ(outcome.rows[0].actors[0].country_code, "YEM");
}

TEST(UcdpParserTest, RejectsEachBadRowWithItsLineColumnAndReason) {
  auto outcome = ReadFixture(ImportFormat::kUcdp, "ucdp/ucdp_rejects.csv");
  struct Expected {
    int64_t line;
    std::string field;
    std::string message;
  };
  const std::vector<Expected> expected = {
      {3, "id", "id: is empty (every row needs an id)"},
      {4, "type_of_violence",
       "type_of_violence: must be 1 (state-based), 2 (non-state) or 3 (one-sided), got 4"},
      {5, "date_start", "date_start: \"2020-13-01\" is not a real calendar date"},
      {6, "date_end", "date_end: 2020-04-30 is before date_start 2020-05-01"},
      {7, "date_prec", "date_prec: must be a code 1-5, got \"6\""},
      {8, "where_prec", "where_prec: must be a code 1-7, got \"8\""},
      {9, "best", "best: must not be negative, got \"-1\""},
      {10, "best", "best: must be a whole number, got \"many\""},
      {11, "low",
       "low: low 5, best 3, high 6 break low <= best <= high (--repair-ranges widens the range)"},
      {12, "side_a", "side_a: is empty (every event has a side A)"},
      {13, "iso3", "iso3: \"XYZ\" is not an ISO 3166-1 alpha-3 code"},
      {14, "latitude", "latitude: must be a decimal number, got \"abc\""},
      {15, "deaths_civilians", "deaths_civilians: must be a whole number, got \"x\""},
      {16, "record", "record: has 3 fields where the header has 43"},
  };
  EXPECT_TRUE(outcome.rows.empty());
  ASSERT_EQ(outcome.errors.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(outcome.errors[i].line, expected[i].line) << expected[i].message;
    EXPECT_EQ(outcome.errors[i].field, expected[i].field) << expected[i].message;
    EXPECT_EQ(outcome.errors[i].message, expected[i].message);
  }
}

TEST(UcdpParserTest, RepairWidensTheRangeOnlyWhenAskedTo) {
  ReaderOptions repair;
  repair.repair_ranges = true;
  auto outcome = ReadFixture(ImportFormat::kUcdp, "ucdp/ucdp_rejects.csv", repair);
  bool found = false;
  for (const ParsedRow& row : outcome.rows) {
    if (row.event.external_ids(0).value() != "900109") continue;
    found = true;
    EXPECT_EQ(row.event.casualties(0).count().low(), 3);
    EXPECT_EQ(row.event.casualties(0).count().best(), 3);
    EXPECT_EQ(row.event.casualties(0).count().high(), 6);
  }
  EXPECT_TRUE(found);
}

TEST(UcdpParserTest, TheHxlRowIsSkippedOnlyRightAfterTheHeader) {
  EXPECT_TRUE(UcdpParser::IsHxlRow({"", "#date+year", "", "#geo+lat"}));
  EXPECT_FALSE(UcdpParser::IsHxlRow({"", "", ""}));
  EXPECT_FALSE(UcdpParser::IsHxlRow({"1", "#tag"}));
}

TEST(UcdpParserTest, AHeaderWithoutRequiredColumnsStopsTheFile) {
  auto outcome = cli_testing::ReadAllText(ImportFormat::kUcdp, "id,side_a,date_start,best,iso3\n");
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_TRUE(outcome.errors[0].fatal);
  EXPECT_EQ(outcome.errors[0].message,
            "header: the required column type_of_violence is missing (is this a UCDP GED file?)");
}

}  // namespace
}  // namespace lookout::cli
