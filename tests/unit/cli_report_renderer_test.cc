// The situation report's page, from a hand-built gateway answer: exact text for each section.
#include <string>

#include "cli/app/report_renderer.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

using ::testing::HasSubstr;

gateway::v1::GetSituationReportResponse Report(const std::string& text) {
  gateway::v1::GetSituationReportResponse report;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &report));
  return report;
}

TEST(BarTest, ScalesWithEighthBlocks) {
  EXPECT_EQ(Bar(0, 10, 10), "");
  EXPECT_EQ(Bar(10, 10, 4), "\u2588\u2588\u2588\u2588");
  EXPECT_EQ(Bar(5, 10, 3), "\u2588\u258C");  // 1.5 cells
  EXPECT_EQ(Bar(1, 1000, 10), "\u258F");     // never invisible
}

TEST(CountTextTest, QualifiersAndRanges) {
  type::v1::Count count;
  count.set_best(105000);
  count.set_qualifier(type::v1::QUALIFIER_AT_LEAST);
  EXPECT_EQ(CountText(count), "at least 105,000");
  count.set_qualifier(type::v1::QUALIFIER_AT_MOST);
  EXPECT_EQ(CountText(count), "at most 105,000");
  count.set_qualifier(type::v1::QUALIFIER_EXACT);
  count.set_best(3);
  count.set_low(0);
  count.set_high(5);
  EXPECT_EQ(CountText(count), "3 (0-5)");
}

TEST(ReportRendererTest, RendersEverySection) {
  auto report = Report(R"pb(
    country_code: "HTI"
    period { start_date: "2024-01-01" end_date: "2024-02-29" }
    event_count: 3
    fatalities: 12
    as_of_sequence: 41
    by_event_type { keys: "BATTLES" event_count: 2 fatalities: 12 }
    by_event_type { keys: "AID" event_count: 1 fatalities: 0 }
    by_month { keys: "2024-01" event_count: 2 fatalities: 12 }
    by_month { keys: "2024-02" event_count: 1 fatalities: 0 }
    top_actors {
      actor { id: "act_g" name: "Gang A" type: ACTOR_TYPE_POLITICAL_MILITIA country_code: "HTI" }
      event_count: 2
      fatalities: 12
    }
    recent_events {
      event {
        id: "evt_1"
        event_date: "2024-02-03"
        event_type: EVENT_TYPE_AID
        sub_event_type: "Logistics support"
        location { country_code: "HTI" admin1: "Ouest" place: "Port-au-Prince" }
        participants { actor_id: "act_us" role: PARTICIPANT_ROLE_PROVIDER }
        notes: "Generators shipped."
      }
      actors { id: "act_us" name: "Government of the United States" }
    }
    recent_events {
      event {
        id: "evt_2"
        event_date: "2024-01-10"
        event_type: EVENT_TYPE_BATTLES
        sub_event_type: "Armed clash"
        location { country_code: "HTI" }
        casualties {
          kind: CASUALTY_KIND_KILLED
          count { best: 12 }
        }
      }
    }
    figures {
      metric: METRIC_MIGRANT_ENCOUNTERS
      country_code: "HTI"
      period { start_date: "2023-01-01" end_date: "2023-09-30" }
      low: 105000
      high: 105000
      consensus: 105000
      source_count: 1
      observations {
        value { best: 105000 qualifier: QUALIFIER_AT_LEAST }
        unit: UNIT_PERSONS
        source { name: "U.S. Customs and Border Protection" }
      }
    }
    warnings: "stats: unavailable (trends omitted)"
  )pb");
  const std::string expected =
      "Situation report: HTI, 2024-01-01 to 2024-02-29\n"
      "===============================================\n"
      "Events: 3    Fatalities: 12    (data as of change 41)\n"
      "\n"
      "By event type\n"
      "  TYPE     EVENTS  FATALITIES\n"
      "  BATTLES       2          12\n"
      "  AID           1           0\n"
      "\n"
      "Events and fatalities by month\n"
      "           events                   fatalities\n"
      // Both bars share the 41 columns left at width 60; numbers are right-aligned.
      "  2024-01  "
      "\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
      "\u2588\u2588\u2588\u2588\u2588  2  "
      "\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
      "\u2588\u2588\u2588\u2588\u2588\u2588 12\n"
      "  2024-02  \u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588            1        "
      "                 0\n"
      "\n"
      "Top actors\n"
      "  ACTOR   TYPE               COUNTRY  EVENTS  FATALITIES\n"
      "  Gang A  POLITICAL_MILITIA  HTI           2          12\n"
      "\n"
      "Recent events\n"
      // Lines are cut to the width.
      "  2024-02-03  AID / Logistics support - Port-au-Prince, O...\n"
      "              Government of the United States (provider)\n"
      "              Generators shipped.\n"
      "  2024-01-10  BATTLES / Armed clash - HTI - 12 killed\n"
      "\n"
      "Reported figures\n"
      "  MIGRANT_ENCOUNTERS, HTI, 2023-01-01 to 2023-09-30\n"
      "    range 105,000, consensus 105,000, 1 source\n"
      "    - at least 105,000 persons according to U.S. Customs ...\n"
      "\n"
      "Warnings (parts of the report may be missing)\n"
      "  ! stats: unavailable (trends omitted)\n";
  ReportStyle style;
  style.width = 60;
  EXPECT_EQ(RenderSituationReport(report, style), expected);
}

// A report on a sea is titled by the sea, and sea events are placed by their area's name.
TEST(ReportRendererTest, ASeaReportNamesTheSeaAndItsEvents) {
  auto report = Report(R"pb(
    body_of_water: "Caribbean Sea"
    period { start_date: "2024-05-01" end_date: "2024-05-31" }
    event_count: 2
    recent_events {
      event {
        id: "evt_1"
        event_date: "2024-05-04"
        event_type: EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS
        location {
          place: "Windward Passage (centroid)"
          maritime {
            basin: "Atlantic Ocean"
            region: "North Atlantic Ocean"
            body_of_water: "Caribbean Sea"
            sub_basin: "Windward Passage"
          }
        }
      }
    }
    recent_events {
      event {
        id: "evt_2"
        event_date: "2024-05-03"
        event_type: EVENT_TYPE_BATTLES
        location { maritime { basin: "Red Sea" } }
      }
    }
  )pb");
  ReportStyle wide;
  wide.width = 120;
  const std::string text = RenderSituationReport(report, wide);
  EXPECT_THAT(text, HasSubstr("Situation report: Caribbean Sea, 2024-05-01 to 2024-05-31\n"));
  EXPECT_THAT(text, HasSubstr("VIOLENCE_AGAINST_CIVILIANS - Windward Passage (centroid), Windward "
                              "Passage, Caribbean Sea\n"));
  EXPECT_THAT(text, HasSubstr("  2024-05-03  BATTLES - Red Sea\n"));
  report.clear_body_of_water();
  report.set_maritime_basin("Red Sea");
  EXPECT_THAT(RenderSituationReport(report), HasSubstr("Situation report: Red Sea, 2024-05-01"));
  type::v1::Location coast;
  coast.set_country_code("HTI");
  coast.set_place("Coast of Port-de-Paix");
  EXPECT_EQ(AreaName(coast), "HTI");
  EXPECT_EQ(PlaceText(coast), "Coast of Port-de-Paix, HTI");
}

TEST(ReportRendererTest, AnEmptyReportSaysSo) {
  auto report = Report(R"pb(country_code: "KEN"
                            period {})pb");
  const std::string text = RenderSituationReport(report);
  EXPECT_THAT(text, HasSubstr("Situation report: KEN, the beginning to today\n"));
  EXPECT_THAT(text, HasSubstr("Events: 0    Fatalities: 0\n"));
  EXPECT_THAT(text, HasSubstr("By event type\n  (no events)\n"));
  EXPECT_THAT(text, HasSubstr("Reported figures\n  (none reported for the period)\n"));
  EXPECT_EQ(text.find("Warnings"), std::string::npos);
}

}  // namespace
}  // namespace lookout::cli
