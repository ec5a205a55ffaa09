// GDELT 2.0 import: every mapped column of the hand-written fixture and every rejection reason.
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "cli/import/gdelt_parser.h"
#include "cli/testing/read_all.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

using cli_testing::ReadFixture;
using ::testing::ElementsAre;

TEST(GdeltParserTest, MapsTheColumnsOfTheValidFixture) {
  auto outcome = ReadFixture(ImportFormat::kGdelt, "gdelt/gdelt_valid.tsv");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 5u);

  const ParsedRow& fight = outcome.rows[0];
  const auto& e = fight.event;
  EXPECT_EQ(fight.line, 1);
  EXPECT_EQ(e.external_ids(0).scheme(), "GDELT");
  EXPECT_EQ(e.external_ids(0).value(), "990000001");
  EXPECT_EQ(e.event_date(), "2024-01-15");
  EXPECT_EQ(e.date_precision(), type::v1::DATE_PRECISION_DAY);
  EXPECT_EQ(e.event_type(), event::v1::EVENT_TYPE_BATTLES);  // root 19
  EXPECT_EQ(e.sub_event_type(), "Armed clash");
  EXPECT_EQ(e.location().country_code(), "HTI");  // FIPS HA
  EXPECT_EQ(e.location().place(), "Port-au-Prince");
  EXPECT_EQ(e.location().admin1(), "Ouest");
  EXPECT_EQ(e.location().geo_precision(), type::v1::GEO_PRECISION_NEAR);
  EXPECT_DOUBLE_EQ(e.location().latitude(), 18.5392);
  EXPECT_DOUBLE_EQ(e.location().longitude(), -72.335);
  ASSERT_EQ(e.sources_size(), 1);
  EXPECT_EQ(e.sources(0).name(), "example.org");
  EXPECT_EQ(e.sources(0).url(), "https://www.example.org/news/2024/01/15/fictional-clash");
  EXPECT_EQ(e.sources(0).published_date(), "2024-01-15");
  EXPECT_EQ(e.sources(0).scale(), type::v1::SOURCE_SCALE_NEW_MEDIA);
  // The numbers are typed attributes now, not a sentence in the notes.
  EXPECT_EQ(e.notes(), "Machine-coded by GDELT from news reports: CAMEO 190.");
  ASSERT_TRUE(e.has_gdelt());
  EXPECT_EQ(e.gdelt().quad_class(), 4);
  EXPECT_DOUBLE_EQ(e.gdelt().goldstein_scale(), -10.0);
  EXPECT_EQ(e.gdelt().num_mentions(), 10);
  EXPECT_EQ(e.gdelt().num_articles(), 10);
  EXPECT_EQ(e.gdelt().num_sources(), 2);
  EXPECT_DOUBLE_EQ(e.gdelt().avg_tone(), -6.5);
  EXPECT_EQ(e.gdelt().event_code(), "190");
  EXPECT_EQ(e.gdelt().event_root_code(), "19");
  EXPECT_EQ(e.gdelt().action_geo().country_code(), "HA");
  EXPECT_FALSE(e.gdelt().is_root_event());
  EXPECT_THAT(e.tags(), ElementsAre("machine-coded", "cameo:190"));
  ASSERT_EQ(fight.actors.size(), 2u);
  EXPECT_EQ(fight.actors[0].name, "GANG");
  EXPECT_EQ(fight.actors[0].type, actor::v1::ACTOR_TYPE_OTHER);  // no type code
  EXPECT_EQ(fight.actors[0].country_code, "HTI");
  EXPECT_EQ(fight.actors[0].role, event::v1::PARTICIPANT_ROLE_INITIATOR);
  EXPECT_EQ(fight.actors[1].name, "POLICE");
  EXPECT_EQ(fight.actors[1].type, actor::v1::ACTOR_TYPE_STATE_FORCES);  // COP
  EXPECT_EQ(fight.actors[1].role, event::v1::PARTICIPANT_ROLE_TARGET);

  const ParsedRow& visit = outcome.rows[1];
  EXPECT_EQ(visit.event.event_type(), event::v1::EVENT_TYPE_CONSULT);
  EXPECT_EQ(visit.event.sub_event_type(), "Visit");  // 043
  EXPECT_EQ(visit.event.location().country_code(), "KEN");
  EXPECT_EQ(visit.event.location().geo_precision(), type::v1::GEO_PRECISION_COUNTRY);
  EXPECT_THAT(visit.event.tags(), ElementsAre("machine-coded", "cameo:043", "root-event"));
  EXPECT_EQ(visit.actors[0].type, actor::v1::ACTOR_TYPE_GOVERNMENT);

  const ParsedRow& aid = outcome.rows[2];
  EXPECT_EQ(aid.event.event_type(), event::v1::EVENT_TYPE_AID);
  EXPECT_EQ(aid.event.sub_event_type(), "Humanitarian aid");  // 073
  EXPECT_EQ(aid.event.location().geo_precision(), type::v1::GEO_PRECISION_ADMIN1);
  EXPECT_EQ(aid.event.location().admin1(), "Florida");
  EXPECT_EQ(aid.event.sources(0).name(), "news.example.net");
  ASSERT_EQ(aid.actors.size(), 1u);

  const ParsedRow& riot = outcome.rows[3];
  EXPECT_EQ(riot.event.event_type(), event::v1::EVENT_TYPE_RIOTS);  // 145
  EXPECT_EQ(riot.event.location().place(), "Miami");
  EXPECT_EQ(riot.actors[0].type, actor::v1::ACTOR_TYPE_CIVILIANS);

  // Only actor 2, no place below the country, no DATEADDED, a date a year before the batch.
  const ParsedRow& request = outcome.rows[4];
  EXPECT_EQ(request.event.event_date(), "2023-10-24");
  EXPECT_EQ(request.event.event_type(), event::v1::EVENT_TYPE_REQUEST);
  EXPECT_EQ(request.event.sub_event_type(), "Request for security assistance");  // 0234
  EXPECT_EQ(request.event.location().geo_precision(), type::v1::GEO_PRECISION_UNSPECIFIED);
  EXPECT_FALSE(request.event.location().has_latitude());
  EXPECT_EQ(request.event.sources(0).published_date(), "");
  ASSERT_EQ(request.actors.size(), 1u);
  EXPECT_EQ(request.actors[0].name, "UNITED NATIONS");
  EXPECT_EQ(request.actors[0].type, actor::v1::ACTOR_TYPE_INTERGOVERNMENTAL_ORGANIZATION);
  EXPECT_EQ(request.actors[0].role, event::v1::PARTICIPANT_ROLE_TARGET);
}

TEST(GdeltParserTest, AMangledUrlKeepsTheUrlButNamesTheSourceGdelt) {
  // Found by the fuzzer: a host of form feeds made a source name that is blank once trimmed.
  std::vector<std::string> columns(61);
  columns[0] = "990000001";
  columns[1] = "20240115";
  columns[26] = "190";
  columns[27] = "190";
  columns[28] = "19";
  columns[53] = "HA";
  columns[60] = "https://\f\f\f/OV\f\fwww.example.org/news";
  const std::string line = absl::StrJoin(columns, "\t") + "\n";
  cli_testing::ReadOutcome outcome = cli_testing::ReadAllText(ImportFormat::kGdelt, line);
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 1u);
  ASSERT_EQ(outcome.rows[0].event.sources_size(), 1);
  EXPECT_EQ(outcome.rows[0].event.sources(0).name(), "GDELT");
  EXPECT_EQ(outcome.rows[0].event.sources(0).url(), columns[60]);
}

// FIPS "OS" (oceans) rows are events at sea, placed by the sea GDELT names: the first row is
// the real sample's one ocean row (2019-10-24), the second a fixture row in the Gulf of Aden.
TEST(GdeltParserTest, OceanRowsAreEventsAtSea) {
  auto outcome = ReadFixture(ImportFormat::kGdelt, "gdelt/gdelt_sea.tsv");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 2u);
  const auto& black_sea = outcome.rows[0].event.location();
  EXPECT_EQ(outcome.rows[0].event.external_ids(0).value(), "881992359");
  EXPECT_EQ(black_sea.country_code(), "");
  EXPECT_EQ(black_sea.maritime().basin(), "Black Sea");
  EXPECT_EQ(black_sea.maritime().body_of_water(), "");
  EXPECT_EQ(black_sea.place(), "Black Sea");
  EXPECT_EQ(black_sea.geo_precision(), type::v1::GEO_PRECISION_REGION);
  EXPECT_DOUBLE_EQ(black_sea.latitude(), 43);
  EXPECT_DOUBLE_EQ(black_sea.longitude(), 35);
  const auto& aden = outcome.rows[1].event.location();
  EXPECT_EQ(aden.country_code(), "");
  EXPECT_EQ(aden.maritime().basin(), "Indian Ocean");
  EXPECT_EQ(aden.maritime().body_of_water(), "Gulf of Aden");  // GDELT writes "Gulf Of Aden"
  EXPECT_EQ(aden.place(), "Gulf Of Aden");
}

TEST(GdeltParserTest, RejectsEachBadRowWithItsLineColumnAndReason) {
  auto outcome = ReadFixture(ImportFormat::kGdelt, "gdelt/gdelt_rejects.tsv");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"GLOBALEVENTID", "GLOBALEVENTID: must be a whole number, got \"abc\""},
      {"SQLDATE", "SQLDATE: \"20190231\" is not a real calendar date"},
      {"Year", "Year: \"2023\" does not match SQLDATE 20240115"},
      {"EventRootCode",
       "EventRootCode: must be a CAMEO root code 01-20 with its leading zero, got \"21\""},
      {"EventRootCode",
       "EventRootCode: must be a CAMEO root code 01-20 with its leading zero, got \"4\""},
      {"EventCode", "EventCode: \"0531\" does not start with EventRootCode \"19\""},
      {"EventCode", "EventCode: must be a CAMEO code of 2-4 digits, got \"19x\""},
      {"ActionGeo_CountryCode",
       "ActionGeo_CountryCode: is empty (GDELT could not place the event in a country)"},
      {"ActionGeo_FullName",
       "ActionGeo_FullName: \"Port-au-Prince\" is an ocean feature (FIPS \"OS\") that is "
       "neither a maritime basin nor a body of water Lookout knows"},
      {"ActionGeo_Type", "ActionGeo_Type: must be a code 0-5, got \"9\""},
      {"ActionGeo_Lat", "ActionGeo_Lat: must be between -90 and 90, got \"91\""},
      {"ActionGeo_Long", "ActionGeo_Long: is empty while the other coordinate is given"},
      {"GoldsteinScale", "GoldsteinScale: must be between -10 and 10, got \"11\""},
      {"NumMentions", "NumMentions: must not be negative, got \"-1\""},
      {"DATEADDED", "DATEADDED: must be written YYYYMMDDHHMMSS, got \"2024\""},
      {"IsRootEvent", "IsRootEvent: must be 0 or 1, got \"2\""},
      {"AvgTone", "AvgTone: must be a number, got \"calm\""},
      {"record", "record: has 60 tab-separated fields where a GDELT 2.0 export row has 61"},
  };
  ASSERT_EQ(outcome.errors.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(outcome.errors[i].line, static_cast<int64_t>(i + 1));
    EXPECT_EQ(outcome.errors[i].field, expected[i].first);
    EXPECT_EQ(outcome.errors[i].message, expected[i].second);
  }
  // Quotes are ordinary characters in GDELT: the last row imports with its quoted nickname.
  ASSERT_EQ(outcome.rows.size(), 1u);
  EXPECT_EQ(outcome.rows[0].line, 19);
  EXPECT_EQ(outcome.rows[0].actors[0].name, "SAINT-MARC \"BOSS\"");
}

TEST(GdeltParserTest, ColumnNamesFollowTheCodebook) {
  EXPECT_STREQ(GdeltColumnName(0), "GLOBALEVENTID");
  EXPECT_STREQ(GdeltColumnName(28), "EventRootCode");
  EXPECT_STREQ(GdeltColumnName(53), "ActionGeo_CountryCode");
  EXPECT_STREQ(GdeltColumnName(60), "SOURCEURL");
  EXPECT_STREQ(GdeltColumnName(61), "");
}

}  // namespace
}  // namespace lookout::cli
