// ACLED import: every column of the hand-written fixture, every rejection reason with its line,
// column and wording, label drift and header handling.
#include <string>
#include <vector>

#include "cli/import/acled_parser.h"
#include "cli/testing/read_all.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

using cli_testing::ReadAllText;
using cli_testing::ReadFixture;
using ::lookout::actor::v1::ActorType;
using ::lookout::event::v1::ParticipantRole;

struct ExpectedActor {
  std::string name;
  ActorType type;
  std::string country;
  ParticipantRole role;
};

void ExpectActors(const ParsedRow& row, const std::vector<ExpectedActor>& expected) {
  ASSERT_EQ(row.actors.size(), expected.size()) << "line " << row.line;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(row.actors[i].name, expected[i].name);
    EXPECT_EQ(row.actors[i].type, expected[i].type) << expected[i].name;
    EXPECT_EQ(row.actors[i].country_code, expected[i].country) << expected[i].name;
    EXPECT_EQ(row.actors[i].role, expected[i].role) << expected[i].name;
  }
}

TEST(AcledParserTest, MapsEveryColumnOfTheValidFixture) {
  auto outcome = ReadFixture(ImportFormat::kAcled, "acled/acled_valid.csv");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 5u);

  const ParsedRow& clash = outcome.rows[0];
  const auto& e = clash.event;
  EXPECT_EQ(clash.line, 2);
  ASSERT_EQ(e.external_ids_size(), 1);
  EXPECT_EQ(e.external_ids(0).scheme(), "ACLED");
  EXPECT_EQ(e.external_ids(0).value(), "HTI9001");
  // The columns no Event field holds, typed in the ACLED attributes.
  ASSERT_TRUE(e.has_acled());
  EXPECT_EQ(e.acled().disorder_type(), "Political violence");
  EXPECT_EQ(e.acled().inter1(), 3);
  EXPECT_EQ(e.acled().inter2(), 1);
  EXPECT_EQ(e.acled().interaction(), 13);
  EXPECT_EQ(e.acled().region(), "Caribbean");
  EXPECT_EQ(e.acled().country(), "Haiti");
  EXPECT_EQ(e.acled().admin3(), "Delmas");
  EXPECT_EQ(e.acled().source_scale(), "National-Subnational");
  EXPECT_EQ(e.acled().timestamp(), 1705400000);
  EXPECT_EQ(e.acled().assoc_actor_1_count(), 2);  // Gang B and Gang C go with actor1
  EXPECT_EQ(e.event_date(), "2024-01-15");
  EXPECT_EQ(e.date_precision(), type::v1::DATE_PRECISION_DAY);
  EXPECT_EQ(e.event_type(), event::v1::EVENT_TYPE_BATTLES);
  EXPECT_EQ(e.sub_event_type(), "Armed clash");
  EXPECT_EQ(e.location().country_code(), "HTI");  // iso 332
  EXPECT_EQ(e.location().admin1(), "Ouest");
  EXPECT_EQ(e.location().admin2(), "Port-au-Prince");
  EXPECT_EQ(e.location().place(), "Delmas");
  EXPECT_DOUBLE_EQ(e.location().latitude(), 18.5461);
  EXPECT_DOUBLE_EQ(e.location().longitude(), -72.3028);
  EXPECT_EQ(e.location().geo_precision(), type::v1::GEO_PRECISION_EXACT);
  ASSERT_EQ(e.sources_size(), 2);
  EXPECT_EQ(e.sources(0).name(), "Le Nouvelliste");
  EXPECT_EQ(e.sources(0).scale(), type::v1::SOURCE_SCALE_NATIONAL);
  EXPECT_EQ(e.sources(1).name(), "Radio Metronome");
  EXPECT_EQ(e.sources(1).scale(), type::v1::SOURCE_SCALE_SUBNATIONAL);
  EXPECT_EQ(e.notes(),
            "Members of two allied gangs fired on the police post at \"Delmas 33\", a fictional "
            "fixture; two officers died.");
  ASSERT_EQ(e.casualties_size(), 1);
  EXPECT_EQ(e.casualties(0).kind(), event::v1::CASUALTY_KIND_KILLED);
  EXPECT_EQ(e.casualties(0).count().best(), 2);
  EXPECT_FALSE(e.civilian_targeting());
  EXPECT_EQ(e.tags_size(), 0);
  EXPECT_EQ(e.participants_size(), 0);  // names until the importer resolves them
  ExpectActors(clash, {
                          {"Gang A (Haiti)", actor::v1::ACTOR_TYPE_POLITICAL_MILITIA, "HTI",
                           event::v1::PARTICIPANT_ROLE_PRIMARY},
                          {"Police Forces of Haiti (2021-)", actor::v1::ACTOR_TYPE_STATE_FORCES,
                           "HTI", event::v1::PARTICIPANT_ROLE_SECONDARY},
                          {"Gang B (Haiti)", actor::v1::ACTOR_TYPE_POLITICAL_MILITIA, "HTI",
                           event::v1::PARTICIPANT_ROLE_ASSOCIATED},
                          {"Gang C (Haiti)", actor::v1::ACTOR_TYPE_POLITICAL_MILITIA, "HTI",
                           event::v1::PARTICIPANT_ROLE_ASSOCIATED},
                      });

  // A kidnapping with a multi-line note, an inter label instead of a code, civilian targeting
  // and tags.
  const ParsedRow& kidnapping = outcome.rows[1];
  EXPECT_EQ(kidnapping.line, 3);
  EXPECT_EQ(kidnapping.event.event_type(), event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  EXPECT_EQ(kidnapping.event.sub_event_type(), "Abduction/forced disappearance");
  EXPECT_TRUE(kidnapping.event.civilian_targeting());
  EXPECT_EQ(kidnapping.event.notes(),
            "A fictional kidnapping:\nthree people were taken on the road,\nand released two "
            "days later.");
  EXPECT_THAT(kidnapping.event.tags(),
              ::testing::ElementsAre("women targeted: girls", "abducted=3"));
  EXPECT_EQ(kidnapping.event.location().geo_precision(), type::v1::GEO_PRECISION_NEAR);
  ExpectActors(kidnapping, {
                               {"Gang A (Haiti)", actor::v1::ACTOR_TYPE_POLITICAL_MILITIA, "HTI",
                                event::v1::PARTICIPANT_ROLE_PRIMARY},
                               {"Civilians (Haiti)", actor::v1::ACTOR_TYPE_CIVILIANS, "HTI",
                                event::v1::PARTICIPANT_ROLE_SECONDARY},
                           });

  // Kenya by its ISO number, week precision, one local source, inter2 0 without an actor2.
  const ParsedRow& protest = outcome.rows[2];
  EXPECT_EQ(protest.line, 6);  // the multi-line note above took lines 3-5
  EXPECT_EQ(protest.event.location().country_code(), "KEN");
  EXPECT_EQ(protest.event.date_precision(), type::v1::DATE_PRECISION_WEEK);
  EXPECT_EQ(protest.event.event_type(), event::v1::EVENT_TYPE_PROTESTS);
  EXPECT_EQ(protest.event.sources(0).scale(), type::v1::SOURCE_SCALE_LOCAL);
  EXPECT_THAT(protest.event.tags(), ::testing::ElementsAre("crowd size=around 200"));
  ExpectActors(protest, {{"Protesters (Kenya)", actor::v1::ACTOR_TYPE_PROTESTERS, "KEN",
                          event::v1::PARTICIPANT_ROLE_PRIMARY}});

  // Older labels and an older date format; empty optional columns leave fields unset.
  const ParsedRow& shelling = outcome.rows[3];
  EXPECT_EQ(shelling.event.event_date(), "2024-01-15");
  EXPECT_EQ(shelling.event.event_type(), event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE);
  EXPECT_EQ(shelling.event.sub_event_type(), "Shelling/artillery/missile attack");
  EXPECT_FALSE(shelling.event.location().has_latitude());
  EXPECT_EQ(shelling.event.location().geo_precision(), type::v1::GEO_PRECISION_UNSPECIFIED);
  EXPECT_EQ(shelling.event.casualties_size(), 0);
  EXPECT_EQ(shelling.event.sources_size(), 0);
  // Foreign forces are not given the event's country.
  ExpectActors(shelling, {{"Military Forces of Atlantis", actor::v1::ACTOR_TYPE_EXTERNAL_FORCES, "",
                           event::v1::PARTICIPANT_ROLE_PRIMARY}});

  // Month precision; a two-part scale for three sources gives each the first part.
  const ParsedRow& looting = outcome.rows[4];
  EXPECT_EQ(looting.event.date_precision(), type::v1::DATE_PRECISION_MONTH);
  EXPECT_EQ(looting.event.sub_event_type(), "Looting/property destruction");
  ASSERT_EQ(looting.event.sources_size(), 3);
  for (const auto& source : looting.event.sources()) {
    EXPECT_EQ(source.scale(), type::v1::SOURCE_SCALE_NATIONAL);
  }
}

struct ExpectedError {
  int64_t line;
  std::string field;
  std::string message;
};

TEST(AcledParserTest, RejectsEachBadRowWithItsLineColumnAndReason) {
  auto outcome = ReadFixture(ImportFormat::kAcled, "acled/acled_rejects.csv");
  const std::vector<ExpectedError> expected = {
      {2, "event_id_cnty", "event_id_cnty: is empty (every row needs an id)"},
      {3, "event_date", "event_date: \"2023-02-30\" is not a real calendar date"},
      {4, "event_date",
       "event_date: must be a date written YYYY-MM-DD (or \"15 January 2024\"), got "
       "\"sometime\""},
      {5, "year", "year: 2022 does not match event_date 2024-01-15"},
      {6, "time_precision", "time_precision: must be 1 (day), 2 (week) or 3 (month), got \"4\""},
      {7, "event_type",
       "event_type: \"Skirmish\" is not an ACLED event type (expected Battles, "
       "Explosions/Remote violence, Violence against civilians, Protests, Riots, Strategic "
       "developments)"},
      {8, "sub_event_type", "sub_event_type: \"Duel\" is not a known sub-event type"},
      {9, "sub_event_type",
       "sub_event_type: \"Peaceful protest\" belongs to PROTESTS, not to the row's event_type "
       "\"Battles\""},
      {10, "actor1", "actor1: is empty (every ACLED event names a first actor)"},
      {11, "inter1",
       "inter1: must be an actor type code 1-8 or its label (e.g. \"Political militia\"), got "
       "\"9\""},
      {12, "iso", "iso: 999 is not an ISO 3166-1 numeric country code"},
      {13, "iso", "iso: must be a whole number, got \"Haiti\""},
      {14, "latitude", "latitude: must be between -90 and 90, got \"95\""},
      {15, "longitude", "longitude: must be a decimal number, got \"east\""},
      {16, "longitude", "longitude: is empty while the other coordinate is given"},
      {17, "geo_precision", "geo_precision: must be 1 (exact), 2 (near) or 3 (region), got \"5\""},
      {18, "civilian_targeting",
       "civilian_targeting: must be \"Civilian targeting\" or empty, got \"maybe\""},
      {19, "fatalities", "fatalities: must not be negative, got \"-3\""},
      {20, "fatalities", "fatalities: must be a whole number, got \"two\""},
      {21, "timestamp", "timestamp: must be a whole number, got \"yesterday\""},
      {22, "tags",
       "tags: entry \"" + std::string(40, 'x') +
           "...\" is 101 bytes long, at most 100 are "
           "allowed"},
      {23, "sub_event_type",
       "sub_event_type: is empty, so \"Riots/Protests\" cannot be told apart"},
      {24, "sub_event_type", "sub_event_type: \"Armed clash\" is neither a riot nor a protest"},
      {25, "record", "record: has 3 fields where the header has 31"},
      {26, "record", "record: field 28 has text after its closing quote"},
      {27, "notes", "notes: is not valid UTF-8 (convert the file to UTF-8)"},
  };
  ASSERT_EQ(outcome.errors.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(outcome.errors[i].line, expected[i].line) << expected[i].message;
    EXPECT_EQ(outcome.errors[i].field, expected[i].field) << expected[i].message;
    EXPECT_EQ(outcome.errors[i].message, expected[i].message);
    EXPECT_FALSE(outcome.errors[i].fatal);
  }
  // The good row after all of them is still imported.
  ASSERT_EQ(outcome.rows.size(), 1u);
  EXPECT_EQ(outcome.rows[0].line, 28);
  EXPECT_EQ(outcome.rows[0].event.external_ids(0).value(), "HTI9102");
}

const char kMinimalHeader[] = "event_id_cnty,event_date,event_type,actor1,iso\n";

TEST(AcledParserTest, FindsColumnsByNameInAnyOrderAndAnyCase) {
  auto outcome = ReadAllText(ImportFormat::kAcled,
                             "ISO,Actor1,EVENT_TYPE,Event Date,Ally_Actor_1,event_id_cnty\n"
                             "332,Gang A,Riots,2024-03-01,Gang B,HTI1\n");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 1u);
  EXPECT_EQ(outcome.rows[0].event.event_type(), event::v1::EVENT_TYPE_RIOTS);
  ASSERT_EQ(outcome.rows[0].actors.size(), 2u);
  EXPECT_EQ(outcome.rows[0].actors[1].name, "Gang B");
  EXPECT_EQ(outcome.rows[0].actors[1].role, event::v1::PARTICIPANT_ROLE_ASSOCIATED);
}

TEST(AcledParserTest, TakesTheCountryFromIso3OrTheNameWhenTheNumberIsAbsent) {
  auto by_alpha3 = ReadAllText(ImportFormat::kAcled,
                               "event_id_cnty,event_date,event_type,actor1,iso3\n"
                               "K1,2024-01-01,Riots,Rioters (Kenya),ken\n");
  ASSERT_EQ(by_alpha3.rows.size(), 1u);
  EXPECT_EQ(by_alpha3.rows[0].event.location().country_code(), "KEN");
  auto by_name = ReadAllText(ImportFormat::kAcled,
                             "event_id_cnty,event_date,event_type,actor1,country\n"
                             "K1,2024-01-01,Riots,Rioters,Democratic Republic of Congo\n"
                             "K2,2024-01-01,Riots,Rioters,Atlantis\n");
  ASSERT_EQ(by_name.rows.size(), 1u);
  EXPECT_EQ(by_name.rows[0].event.location().country_code(), "COD");
  ASSERT_EQ(by_name.errors.size(), 1u);
  EXPECT_EQ(by_name.errors[0].message,
            "country: \"Atlantis\" is not a country name Lookout knows, and iso is empty");
}

// ACLED's maritime hierarchy (since May 2026): beyond 12 nautical miles Country is a basin and
// Admin1-3 are region, body of water and sub-basin; within them the coastal country stays.
TEST(AcledParserTest, RowsWhoseCountryIsABasinAreAtSea) {
  auto outcome = ReadFixture(ImportFormat::kAcled, "acled/acled_sea.csv");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 6u);

  const auto& coastal = outcome.rows[0].event.location();
  EXPECT_EQ(coastal.country_code(), "HTI");
  EXPECT_EQ(coastal.admin1(), "Nord-Ouest");
  EXPECT_FALSE(coastal.has_maritime());

  const auto& territorial = outcome.rows[1].event.location();
  EXPECT_EQ(territorial.country_code(), "HTI");
  EXPECT_EQ(territorial.place(), "Coast of Port-de-Paix");
  EXPECT_FALSE(territorial.has_maritime());

  const auto& passage = outcome.rows[2].event.location();
  EXPECT_EQ(passage.country_code(), "");
  EXPECT_EQ(passage.admin1(), "");
  EXPECT_EQ(passage.admin2(), "");
  EXPECT_EQ(passage.maritime().basin(), "Atlantic Ocean");
  EXPECT_EQ(passage.maritime().region(), "North Atlantic Ocean");
  EXPECT_EQ(passage.maritime().body_of_water(), "Caribbean Sea");
  EXPECT_EQ(passage.maritime().sub_basin(), "Windward Passage");
  EXPECT_EQ(passage.place(), "Windward Passage (centroid)");
  EXPECT_DOUBLE_EQ(passage.latitude(), 20.0);
  EXPECT_EQ(passage.geo_precision(), type::v1::GEO_PRECISION_ADMIN1);  // ACLED's 3
  // Local actors of a sea event get no country (there is none to give them).
  for (const ActorRef& actor : outcome.rows[2].actors) {
    EXPECT_EQ(actor.country_code, "") << actor.name;
  }

  EXPECT_EQ(outcome.rows[3].event.location().country_code(), "YEM");  // still on the coast
  const auto& red_sea = outcome.rows[4].event.location();
  EXPECT_EQ(red_sea.country_code(), "");
  EXPECT_EQ(red_sea.maritime().basin(), "Red Sea");
  EXPECT_EQ(red_sea.maritime().region(), "Southern Red Sea");
  EXPECT_EQ(red_sea.maritime().body_of_water(), "Bab-el-Mandeb");
  EXPECT_EQ(red_sea.maritime().sub_basin(), "");

  // The basin in any letter case is the basin's own spelling; iso 0 (Kosovo on land) is not read.
  const auto& sicily = outcome.rows[5].event.location();
  EXPECT_EQ(sicily.country_code(), "");
  EXPECT_EQ(sicily.maritime().basin(), "Mediterranean Sea");
  EXPECT_EQ(sicily.maritime().body_of_water(), "Strait of Sicily");
}

TEST(AcledParserTest, ASubBasinWithoutItsBodyOfWaterIsRejected) {
  auto outcome = ReadAllText(ImportFormat::kAcled,
                             "event_id_cnty,event_date,event_type,actor1,country,admin1,admin2,"
                             "admin3\n"
                             "S1,2024-01-01,Riots,Rioters,Baltic Sea,,,\n"
                             "S2,2024-01-01,Riots,Rioters,Atlantic Ocean,North Atlantic Ocean,,"
                             "Gulf of Finland\n");
  ASSERT_EQ(outcome.errors.size(), 2u);
  // The Baltic is a body of water of the Atlantic, not a basin: no country, no basin.
  EXPECT_EQ(outcome.errors[0].field, "country");
  EXPECT_EQ(outcome.errors[1].field, "admin3");
  EXPECT_EQ(outcome.errors[1].message,
            "admin3: names a sub-basin at sea but admin2 (its body of water) is empty");
}

TEST(AcledParserTest, KosovoIsIsoZero) {
  auto outcome = ReadAllText(ImportFormat::kAcled,
                             std::string(kMinimalHeader) + "XKX1,2024-01-01,Protests,P,0\n");
  ASSERT_EQ(outcome.rows.size(), 1u);
  EXPECT_EQ(outcome.rows[0].event.location().country_code(), "XKX");
}

TEST(AcledParserTest, ToleratesDriftedLabels) {
  auto outcome = ReadAllText(
      ImportFormat::kAcled,
      "event_id_cnty,event_date,event_type,sub_event_type,actor1,inter1,iso,civilian_targeting,"
      "source,source_scale\n"
      "A1,2024-01-01,Battle-No change of territory,,Rebels X,Rebels,332,,\"S1;S2\","
      "New media-Regional\n"
      "A2,2024-01-01,RIOTS/PROTESTS,Violent demonstration,Rioters,rioters,332,,S,Unheard-of\n"
      "A3,2024-01-01,violence against civilians,Abduction,Gang,Ethnic militia,332,"
      "Civilians targeted,,\n");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 3u);
  EXPECT_EQ(outcome.rows[0].event.event_type(), event::v1::EVENT_TYPE_BATTLES);
  EXPECT_EQ(outcome.rows[0].event.sub_event_type(), "Armed clash");
  EXPECT_EQ(outcome.rows[0].actors[0].type, actor::v1::ACTOR_TYPE_REBEL_GROUP);
  EXPECT_EQ(outcome.rows[0].event.sources(0).scale(), type::v1::SOURCE_SCALE_NEW_MEDIA);
  EXPECT_EQ(outcome.rows[0].event.sources(1).scale(), type::v1::SOURCE_SCALE_REGIONAL);
  EXPECT_EQ(outcome.rows[1].event.event_type(), event::v1::EVENT_TYPE_RIOTS);
  EXPECT_EQ(outcome.rows[1].actors[0].type, actor::v1::ACTOR_TYPE_RIOTERS);
  // An unknown scale costs only the scale.
  EXPECT_EQ(outcome.rows[1].event.sources(0).scale(), type::v1::SOURCE_SCALE_OTHER);
  EXPECT_EQ(outcome.rows[2].event.sub_event_type(), "Abduction/forced disappearance");
  EXPECT_EQ(outcome.rows[2].actors[0].type, actor::v1::ACTOR_TYPE_IDENTITY_MILITIA);
  EXPECT_TRUE(outcome.rows[2].event.civilian_targeting());
}

TEST(AcledParserTest, NamesAnActorOnceEvenWhenListedTwice) {
  auto outcome = ReadAllText(ImportFormat::kAcled,
                             "event_id_cnty,event_date,event_type,actor1,assoc_actor_1,iso\n"
                             "A1,2024-01-01,Riots,Gang,\"Ally; ally ;Ally\",332\n");
  ASSERT_EQ(outcome.rows.size(), 1u);
  ASSERT_EQ(outcome.rows[0].actors.size(), 2u);
}

TEST(AcledParserTest, RejectsOverlongValuesBeforeTheServerWould) {
  const std::string notes(10001, 'n');
  const std::string name(201, 'a');
  auto outcome = ReadAllText(ImportFormat::kAcled,
                             "event_id_cnty,event_date,event_type,actor1,iso,notes\n"
                             "A1,2024-01-01,Riots,R,332," +
                                 notes + "\n" + "A2,2024-01-01,Riots," + name + ",332,ok\n");
  ASSERT_EQ(outcome.errors.size(), 2u);
  EXPECT_EQ(outcome.errors[0].message, "notes: is 10001 bytes long, at most 10000 are allowed");
  EXPECT_EQ(outcome.errors[1].message, "actor1: is 201 bytes long, at most 200 are allowed");
}

TEST(AcledParserTest, AHeaderWithoutARequiredColumnStopsTheFile) {
  auto outcome =
      ReadAllText(ImportFormat::kAcled, "event_id_cnty,event_type,actor1,iso\nA,B,C,332\n");
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_TRUE(outcome.errors[0].fatal);
  EXPECT_EQ(outcome.errors[0].line, 1);
  EXPECT_EQ(outcome.errors[0].field, "header");
  EXPECT_EQ(outcome.errors[0].message,
            "header: the required column event_date is missing (is this an ACLED export file?)");
  EXPECT_TRUE(outcome.rows.empty());
}

TEST(AcledParserTest, OtherHeaderProblemsStopTheFileToo) {
  auto twice =
      ReadAllText(ImportFormat::kAcled, "event_id_cnty,event_date,event_type,actor1,iso,ISO\n");
  ASSERT_EQ(twice.errors.size(), 1u);
  EXPECT_EQ(twice.errors[0].message, "header: the column iso appears twice");
  auto no_country =
      ReadAllText(ImportFormat::kAcled, "event_id_cnty,event_date,event_type,actor1\n");
  ASSERT_EQ(no_country.errors.size(), 1u);
  EXPECT_EQ(no_country.errors[0].message,
            "header: none of the columns iso, iso3 or country is present");
  auto empty = ReadAllText(ImportFormat::kAcled, "");
  ASSERT_EQ(empty.errors.size(), 1u);
  EXPECT_TRUE(empty.errors[0].fatal);
  EXPECT_EQ(empty.errors[0].message, "header: the file is empty (no header row)");
}

}  // namespace
}  // namespace lookout::cli
