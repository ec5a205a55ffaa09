// The lookup tables behind the importers: label drift, CAMEO codes, FIPS 10-4 and country names.
#include "cli/import/cameo.h"
#include "cli/import/country_names.h"
#include "cli/import/fips_countries.h"
#include "cli/import/taxonomy_labels.h"
#include "cli/import/text_fields.h"
#include "common/country_codes.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

TEST(TaxonomyLabelsTest, NormalizesCaseAndPunctuation) {
  EXPECT_EQ(NormalizeLabel("  Air/drone  strike "), "air drone strike");
  EXPECT_EQ(NormalizeLabel("External/Other forces"), "external other forces");
  EXPECT_EQ(NormalizeLabel("--"), "");
}

TEST(TaxonomyLabelsTest, EverySubEventTypeOfDomainMdIsKnownUnderItsOwnName) {
  const std::vector<std::pair<event::v1::EventType, std::vector<std::string>>> taxonomy = {
      {event::v1::EVENT_TYPE_BATTLES,
       {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}},
      {event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE,
       {"Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade"}},
      {event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,
       {"Sexual violence", "Attack", "Abduction/forced disappearance"}},
      {event::v1::EVENT_TYPE_PROTESTS,
       {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"}},
      {event::v1::EVENT_TYPE_RIOTS, {"Violent demonstration", "Mob violence"}},
      {event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
       {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other"}},
      {event::v1::EVENT_TYPE_CONSULT,
       {"Bilateral meeting", "Multilateral meeting", "Visit", "Negotiation"}},
      {event::v1::EVENT_TYPE_REQUEST,
       {"Request for security assistance", "Request for aid", "Demand"}},
      {event::v1::EVENT_TYPE_AGREE, {"Agreement signed", "Authorization", "Endorsement"}},
      {event::v1::EVENT_TYPE_AID,
       {"Logistics support", "Military aid", "Humanitarian aid", "Financial aid"}},
      {event::v1::EVENT_TYPE_REJECT, {"Rejection", "Veto", "Suspension"}},
      {event::v1::EVENT_TYPE_DEPLOY, {"Police deployment", "Troop deployment", "Withdrawal"}},
      {event::v1::EVENT_TYPE_LEGAL_ACTION,
       {"Court ruling", "Court injunction", "Indictment", "Sanction"}},
  };
  for (const auto& [type, subs] : taxonomy) {
    for (const std::string& sub : subs) {
      auto match = MatchSubEventTypeLabel(sub);
      ASSERT_TRUE(match.has_value()) << sub;
      EXPECT_EQ(match->type, type) << sub;
      EXPECT_EQ(match->canonical, sub);
    }
  }
}

TEST(TaxonomyLabelsTest, ActorTypeCodesAndLabelsAgree) {
  const char* labels[] = {
      "State forces", "Rebel group", "Political militia", "Identity militia",
      "Rioters",      "Protesters",  "Civilians",         "External/Other forces"};
  for (int code = 1; code <= 8; ++code) {
    auto by_code = MatchActorTypeLabel(std::to_string(code));
    auto by_label = MatchActorTypeLabel(labels[code - 1]);
    ASSERT_TRUE(by_code && by_label) << code;
    EXPECT_EQ(static_cast<int>(*by_code), code);  // the enum follows ACLED's codes 1-8
    EXPECT_EQ(*by_label, *by_code);
  }
  EXPECT_EQ(MatchActorTypeLabel(""), actor::v1::ACTOR_TYPE_UNSPECIFIED);
  EXPECT_EQ(MatchActorTypeLabel("0"), actor::v1::ACTOR_TYPE_UNSPECIFIED);
  EXPECT_FALSE(MatchActorTypeLabel("9").has_value());
}

TEST(CameoTest, FollowsTheDomainTableForEveryRootCode) {
  using event::v1::EventType;
  const EventType expected[21] = {
      event::v1::EVENT_TYPE_UNSPECIFIED,
      event::v1::EVENT_TYPE_AGREE,                       // 01 public statement
      event::v1::EVENT_TYPE_REQUEST,                     // 02 appeal
      event::v1::EVENT_TYPE_AGREE,                       // 03 intent to cooperate
      event::v1::EVENT_TYPE_CONSULT,                     // 04
      event::v1::EVENT_TYPE_AGREE,                       // 05
      event::v1::EVENT_TYPE_AID,                         // 06
      event::v1::EVENT_TYPE_AID,                         // 07
      event::v1::EVENT_TYPE_AGREE,                       // 08
      event::v1::EVENT_TYPE_REJECT,                      // 09
      event::v1::EVENT_TYPE_REJECT,                      // 10
      event::v1::EVENT_TYPE_REJECT,                      // 11
      event::v1::EVENT_TYPE_REJECT,                      // 12
      event::v1::EVENT_TYPE_REJECT,                      // 13
      event::v1::EVENT_TYPE_PROTESTS,                    // 14
      event::v1::EVENT_TYPE_DEPLOY,                      // 15
      event::v1::EVENT_TYPE_REJECT,                      // 16
      event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,      // 17
      event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,  // 18
      event::v1::EVENT_TYPE_BATTLES,                     // 19
      event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,  // 20
  };
  for (int root = 1; root <= 20; ++root) {
    char code[3];
    snprintf(code, sizeof(code), "%02d", root);
    auto mapping = MapCameo(code, "");
    ASSERT_TRUE(mapping.has_value()) << code;
    EXPECT_EQ(mapping->type, expected[root]) << code;
    auto sub = MatchSubEventTypeLabel(mapping->sub_event_type);
    ASSERT_TRUE(sub.has_value()) << mapping->sub_event_type;
    EXPECT_EQ(sub->type, mapping->type) << code;
  }
  EXPECT_EQ(MapCameo("17", "")->sub_event_type, "Arrests");
  EXPECT_FALSE(MapCameo("00", "").has_value());
  EXPECT_FALSE(MapCameo("21", "").has_value());
  EXPECT_FALSE(MapCameo("4", "").has_value());
  EXPECT_FALSE(MapCameo("", "").has_value());
}

TEST(CameoTest, FinerCodesRefineTheSubEventType) {
  EXPECT_EQ(MapCameo("02", "023")->sub_event_type, "Request for aid");
  EXPECT_EQ(MapCameo("02", "0234")->sub_event_type, "Request for security assistance");
  EXPECT_EQ(MapCameo("05", "057")->sub_event_type, "Agreement signed");
  EXPECT_EQ(MapCameo("06", "062")->sub_event_type, "Military aid");
  EXPECT_EQ(MapCameo("14", "145")->type, event::v1::EVENT_TYPE_RIOTS);
  EXPECT_EQ(MapCameo("15", "151")->sub_event_type, "Police deployment");
  EXPECT_EQ(MapCameo("17", "171")->sub_event_type, "Looting/property destruction");
  EXPECT_EQ(MapCameo("18", "181")->sub_event_type, "Abduction/forced disappearance");
  EXPECT_EQ(MapCameo("18", "1821")->sub_event_type, "Sexual violence");
}

TEST(FipsCountriesTest, ConvertsTheCodesThatDifferFromIso) {
  EXPECT_EQ(IsoAlpha3FromFips("HA"), "HTI");
  EXPECT_EQ(IsoAlpha3FromFips("KE"), "KEN");
  EXPECT_EQ(IsoAlpha3FromFips("UK"), "GBR");
  EXPECT_EQ(IsoAlpha3FromFips("GM"), "DEU");  // not Gambia (GA)
  EXPECT_EQ(IsoAlpha3FromFips("SF"), "ZAF");
  EXPECT_EQ(IsoAlpha3FromFips("RS"), "RUS");
  EXPECT_EQ(IsoAlpha3FromFips("CH"), "CHN");
  EXPECT_EQ(IsoAlpha3FromFips("UP"), "UKR");
  EXPECT_EQ(IsoAlpha3FromFips("KV"), "XKX");
  EXPECT_FALSE(IsoAlpha3FromFips("OS").has_value());
  EXPECT_FALSE(IsoAlpha3FromFips("YI").has_value());
  EXPECT_FALSE(IsoAlpha3FromFips("ha").has_value());
}

TEST(FipsCountriesTest, EveryTargetIsAnIsoCode) {
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      const std::string fips{a, b};
      auto iso = IsoAlpha3FromFips(fips);
      if (iso) EXPECT_TRUE(IsIsoAlpha3(*iso)) << fips << " -> " << *iso;
    }
  }
}

TEST(CountryNamesTest, MatchesTheSpellingsImportFilesUse) {
  EXPECT_EQ(IsoAlpha3FromCountryName("Haiti"), "HTI");
  EXPECT_EQ(IsoAlpha3FromCountryName("HAITI"), "HTI");
  EXPECT_EQ(IsoAlpha3FromCountryName("DR Congo (Zaire)"), "COD");
  EXPECT_EQ(IsoAlpha3FromCountryName("Myanmar (Burma)"), "MMR");
  EXPECT_EQ(IsoAlpha3FromCountryName("Cote d'Ivoire"), "CIV");
  EXPECT_FALSE(IsoAlpha3FromCountryName("Atlantis").has_value());
  EXPECT_FALSE(IsoAlpha3FromCountryName("").has_value());
}

TEST(TextFieldsTest, Utf8CheckAndTruncation) {
  EXPECT_TRUE(IsValidUtf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));               // cut short
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));           // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));       // surrogate
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9", 3), "ab");  // never half a character
  EXPECT_EQ(TruncateUtf8("abc", 5), "abc");
}

TEST(TextFieldsTest, NumbersAndDates) {
  EXPECT_EQ(*ParseInteger("n", " 42 "), 42);
  EXPECT_FALSE(ParseInteger("n", "4.2").ok());
  EXPECT_FALSE(ParseCount("n", "-1").ok());
  EXPECT_FALSE(ParseLatitude("lat", "nan").ok());
  EXPECT_FALSE(ParseLongitude("lon", "inf").ok());
  EXPECT_FALSE(ParseLatitude("lat", "")->has_value());
  EXPECT_EQ(*ParseCompactDate("d", "20240229"), "2024-02-29");
  EXPECT_FALSE(ParseCompactDate("d", "20230229").ok());
  EXPECT_FALSE(ParseIsoDate("d", "1899-12-31").ok());
}

}  // namespace
}  // namespace lookout::cli
