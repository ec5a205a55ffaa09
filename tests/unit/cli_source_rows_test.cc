// Source-format rows for events that did not come from that source (the round trip of events
// that did is tests/integration/cli_source_round_trip_test.cc): what each mapping gives, and
// what a format cannot hold.
#include <map>
#include <string>

#include "cli/export/source_rows.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

namespace ev = ::lookout::event::v1;

ev::Event HandEntered() {
  ev::Event e;
  e.set_id("evt_00000000000000c1");
  e.set_event_date("2024-03-02");
  e.set_date_precision(type::v1::DATE_PRECISION_DAY);
  e.set_event_type(ev::EVENT_TYPE_BATTLES);
  e.set_sub_event_type("Armed clash");
  e.mutable_location()->set_country_code("HTI");
  e.mutable_location()->set_admin1("Ouest");
  e.mutable_location()->set_place("Delmas");
  e.mutable_location()->set_latitude(18.5461);
  e.mutable_location()->set_longitude(-72.3028);
  e.mutable_location()->set_geo_precision(type::v1::GEO_PRECISION_EXACT);
  auto* killed = e.add_casualties();
  killed->set_kind(ev::CASUALTY_KIND_KILLED);
  killed->mutable_count()->set_best(4);
  killed->mutable_count()->set_low(3);
  killed->mutable_count()->set_high(6);
  e.set_fatalities(4);
  e.set_notes("Two lines\tand a tab");
  auto* source = e.add_sources();
  source->set_name("Le Nouvelliste");
  source->set_url("https://example.org/a");
  source->set_published_date("2024-03-03");
  source->set_scale(type::v1::SOURCE_SCALE_NATIONAL);
  auto* gang = e.add_participants();
  gang->set_actor_id("act_gang");
  gang->set_role(ev::PARTICIPANT_ROLE_PRIMARY);
  auto* police = e.add_participants();
  police->set_actor_id("act_police");
  police->set_role(ev::PARTICIPANT_ROLE_SECONDARY);
  return e;
}

const actor::v1::Actor* FindActor(const std::string& id) {
  static const auto* actors = [] {
    auto* map = new std::map<std::string, actor::v1::Actor>();
    (*map)["act_gang"].set_name("Gang A");
    (*map)["act_gang"].set_type(actor::v1::ACTOR_TYPE_CRIMINAL_GROUP);
    (*map)["act_police"].set_name("Police");
    (*map)["act_police"].set_type(actor::v1::ACTOR_TYPE_STATE_FORCES);
    return map;
  }();
  auto it = actors->find(id);
  return it == actors->end() ? nullptr : &it->second;
}

std::map<std::string, std::string> Named(SourceFormat format, const ev::Event& event) {
  std::optional<std::vector<std::string>> row = SourceRow(format, event, FindActor);
  std::map<std::string, std::string> named;
  if (!row) return named;
  const std::vector<std::string>& columns = SourceColumns(format);
  EXPECT_EQ(row->size(), columns.size());
  for (size_t i = 0; i < columns.size() && i < row->size(); ++i) named[columns[i]] = (*row)[i];
  return named;
}

TEST(SourceRowsTest, AnEventOfAnotherSourceGetsAcledsCodesFromItsFields) {
  auto row = Named(SourceFormat::kAcled, HandEntered());
  EXPECT_EQ(row["event_id_cnty"], "evt_00000000000000c1");  // no ACLED id: Lookout's
  EXPECT_EQ(row["year"], "2024");
  EXPECT_EQ(row["time_precision"], "1");
  EXPECT_EQ(row["disorder_type"], "Political violence");
  EXPECT_EQ(row["event_type"], "Battles");
  EXPECT_EQ(row["actor1"], "Gang A");
  EXPECT_EQ(row["inter1"], "3");  // criminal groups are political militias to ACLED
  EXPECT_EQ(row["actor2"], "Police");
  EXPECT_EQ(row["inter2"], "1");
  EXPECT_EQ(row["interaction"], "13");
  EXPECT_EQ(row["iso"], "332");
  EXPECT_EQ(row["country"], "Haiti");
  EXPECT_EQ(row["geo_precision"], "1");
  EXPECT_EQ(row["source_scale"], "National");
  EXPECT_EQ(row["fatalities"], "4");
}

TEST(SourceRowsTest, UcdpTakesOrganisedViolenceOnlyWithItsNumericCodes) {
  auto row = Named(SourceFormat::kUcdp, HandEntered());
  EXPECT_EQ(row["type_of_violence"], "1");
  EXPECT_EQ(row["side_a"], "Gang A");
  EXPECT_EQ(row["iso3"], "HTI");
  EXPECT_EQ(row["where_prec"], "1");
  EXPECT_EQ(row["date_prec"], "1");
  EXPECT_EQ(row["date_end"], "2024-03-02");
  EXPECT_EQ(row["low"], "3");
  EXPECT_EQ(row["best"], "4");
  EXPECT_EQ(row["high"], "6");
  EXPECT_EQ(row["geom_wkt"], "POINT (-72.3028 18.5461)");
  EXPECT_EQ(row["conflict_new_id"], "");  // no mapping: empty, never a made-up id

  ev::Event protest = HandEntered();
  protest.set_event_type(ev::EVENT_TYPE_PROTESTS);
  protest.set_sub_event_type("Peaceful protest");
  EXPECT_FALSE(SourceRow(SourceFormat::kUcdp, protest, FindActor).has_value());
}

TEST(SourceRowsTest, GdeltGetsFipsCodesACameoRootAndNoTabsInsideAField) {
  auto row = Named(SourceFormat::kGdelt, HandEntered());
  EXPECT_EQ(row["SQLDATE"], "20240302");
  EXPECT_EQ(row["MonthYear"], "202403");
  EXPECT_EQ(row["ActionGeo_CountryCode"], "HA");
  EXPECT_EQ(row["EventRootCode"], "19");
  EXPECT_EQ(row["QuadClass"], "4");
  EXPECT_EQ(row["Actor1Name"], "Gang A");
  EXPECT_EQ(row["ActionGeo_Lat"], "18.5461");
  EXPECT_EQ(row["DATEADDED"], "20240303000000");
  EXPECT_EQ(row["SOURCEURL"], "https://example.org/a");

  // A GDELT event whose country was changed by hand is written with the new country's FIPS code,
  // and text with a tab keeps the row's 61 fields.
  ev::Event moved = HandEntered();
  moved.mutable_gdelt()->mutable_action_geo()->set_country_code("AT");  // Ashmore: ISO AUS
  moved.mutable_gdelt()->mutable_action_geo()->set_full_name("Delmas\tOuest");
  moved.mutable_location()->set_country_code("KEN");
  auto moved_row = Named(SourceFormat::kGdelt, moved);
  EXPECT_EQ(moved_row["ActionGeo_CountryCode"], "KE");
  EXPECT_THAT(moved_row["ActionGeo_FullName"], ::testing::Not(::testing::HasSubstr("\t")));
}

// An attack at sea entered by hand: the Windward Passage, as ACLED's maritime hierarchy names it.
ev::Event AtSea() {
  ev::Event e = HandEntered();
  e.set_event_type(ev::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  e.set_sub_event_type("Attack");
  type::v1::Location* location = e.mutable_location();
  location->Clear();
  location->set_place("Windward Passage (centroid)");
  location->set_latitude(20);
  location->set_longitude(-73.8);
  location->set_geo_precision(type::v1::GEO_PRECISION_REGION);
  location->mutable_maritime()->set_basin("Atlantic Ocean");
  location->mutable_maritime()->set_region("North Atlantic Ocean");
  location->mutable_maritime()->set_body_of_water("Caribbean Sea");
  location->mutable_maritime()->set_sub_basin("Windward Passage");
  return e;
}

TEST(SourceRowsTest, AcledWritesASeaEventInItsMaritimeHierarchy) {
  auto row = Named(SourceFormat::kAcled, AtSea());
  EXPECT_EQ(row["country"], "Atlantic Ocean");
  EXPECT_EQ(row["admin1"], "North Atlantic Ocean");
  EXPECT_EQ(row["admin2"], "Caribbean Sea");
  EXPECT_EQ(row["admin3"], "Windward Passage");
  EXPECT_EQ(row["location"], "Windward Passage (centroid)");
  EXPECT_EQ(row["iso"], "");  // no country: no ISO number (0 would be Kosovo)
  EXPECT_EQ(row["latitude"], "20");

  // ACLED's own spelling of the basin comes back while it names the event's sea; an ACLED event
  // moved to another sea, or to land, is written for where it is now.
  ev::Event imported = AtSea();
  imported.mutable_acled()->set_country("atlantic ocean");
  imported.mutable_acled()->set_admin3("Windward Passage");
  EXPECT_EQ(Named(SourceFormat::kAcled, imported)["country"], "atlantic ocean");
  ev::Event moved = imported;
  moved.mutable_location()->mutable_maritime()->set_basin("Red Sea");
  EXPECT_EQ(Named(SourceFormat::kAcled, moved)["country"], "Red Sea");
  ev::Event ashore = imported;
  *ashore.mutable_location() = HandEntered().location();
  auto ashore_row = Named(SourceFormat::kAcled, ashore);
  EXPECT_EQ(ashore_row["country"], "Haiti");
  EXPECT_EQ(ashore_row["iso"], "332");
  EXPECT_EQ(ashore_row["admin1"], "Ouest");
  EXPECT_EQ(ashore_row["admin3"], "");  // the sub-basin is no admin3 on land
}

TEST(SourceRowsTest, GdeltWritesASeaEventAsAnOceanFeature) {
  // Named by the body of water the GDELT importer's table knows, in the same basin.
  auto row = Named(SourceFormat::kGdelt, AtSea());
  EXPECT_EQ(row["ActionGeo_CountryCode"], "OS");
  EXPECT_EQ(row["ActionGeo_ADM1Code"], "OS00");
  EXPECT_EQ(row["ActionGeo_FullName"], "Caribbean Sea, Oceans (general), Oceans");
  EXPECT_EQ(row["ActionGeo_Type"], "4");
  EXPECT_EQ(row["ActionGeo_Lat"], "20");
  EXPECT_EQ(row["ActionGeo_Long"], "-73.8");

  // A body of water the table does not know, or knows in another basin, would read back as
  // something else: the basin names the feature instead.
  ev::Event unknown = AtSea();
  unknown.mutable_location()->mutable_maritime()->set_body_of_water("Gulf of Gonave");
  EXPECT_EQ(Named(SourceFormat::kGdelt, unknown)["ActionGeo_FullName"],
            "Atlantic Ocean, Oceans (general), Oceans");
  ev::Event elsewhere = AtSea();
  elsewhere.mutable_location()->mutable_maritime()->set_body_of_water("Gulf of Aden");
  EXPECT_EQ(Named(SourceFormat::kGdelt, elsewhere)["ActionGeo_FullName"],
            "Atlantic Ocean, Oceans (general), Oceans");

  // GDELT's own feature is kept while it names the event's sea, and replaced once it does not.
  ev::Event imported = AtSea();
  imported.mutable_location()->mutable_maritime()->set_basin("Black Sea");
  imported.mutable_location()->mutable_maritime()->clear_region();
  imported.mutable_location()->mutable_maritime()->clear_body_of_water();
  imported.mutable_location()->mutable_maritime()->clear_sub_basin();
  ev::GdeltGeo* geo = imported.mutable_gdelt()->mutable_action_geo();
  geo->set_type(4);
  geo->set_full_name("Black Sea, Oceans (general), Oceans");
  geo->set_country_code("OS");
  geo->set_adm1_code("OS00");
  geo->set_feature_id("-1506338");
  auto own = Named(SourceFormat::kGdelt, imported);
  EXPECT_EQ(own["ActionGeo_FullName"], "Black Sea, Oceans (general), Oceans");
  EXPECT_EQ(own["ActionGeo_FeatureID"], "-1506338");
  imported.mutable_location()->mutable_maritime()->set_basin("Mediterranean Sea");
  auto moved = Named(SourceFormat::kGdelt, imported);
  EXPECT_EQ(moved["ActionGeo_FullName"], "Mediterranean Sea, Oceans (general), Oceans");
  EXPECT_EQ(moved["ActionGeo_CountryCode"], "OS");
  EXPECT_EQ(moved["ActionGeo_FeatureID"], "");  // the Black Sea's feature is not this sea's
}

TEST(SourceRowsTest, UcdpLeavesOutAnEventAtSea) {
  // Organised violence (violence against civilians) that UCDP would take on land.
  ASSERT_TRUE(IsAtSea(AtSea()));
  EXPECT_FALSE(SourceRow(SourceFormat::kUcdp, AtSea(), FindActor).has_value());
  ev::Event ashore = AtSea();
  *ashore.mutable_location() = HandEntered().location();
  EXPECT_FALSE(IsAtSea(ashore));
  EXPECT_TRUE(SourceRow(SourceFormat::kUcdp, ashore, FindActor).has_value());
}

}  // namespace
}  // namespace lookout::cli
