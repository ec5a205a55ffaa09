// The in-memory filter matcher, field by field.
#include "event_filter/matcher.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout::event_filter {
namespace {

namespace v1 = ::lookout::event::v1;

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;

Event Sample() {
  Event e;
  e.set_id("evt_1");
  e.set_event_date("2024-03-10");
  e.set_end_date("2024-03-12");
  e.set_event_type(v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  e.set_sub_event_type("Abduction/forced disappearance");
  auto* p = e.add_participants();
  p->set_actor_id("act_gang");
  p->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
  p = e.add_participants();
  p->set_actor_id("act_civ");
  p->set_role(v1::PARTICIPANT_ROLE_TARGET);
  auto* l = e.mutable_location();
  l->set_country_code("HTI");
  l->set_admin1("Ouest");
  l->set_latitude(18.55);
  l->set_longitude(-72.34);
  e.set_fatalities(4);
  e.set_notes("Armed men kidnapped 12 passengers near Croix-des-Bouquets; Cité Soleil calm.");
  e.add_tags("kidnapping");
  e.add_tags("transport");
  return e;
}

TEST(EventFilterMatcherTest, EmptyFilterMatchesEverything) {
  EXPECT_TRUE(MatchesFilter(Sample(), EventFilter()));
  EXPECT_TRUE(MatchesFilter(Event(), EventFilter()));
}

TEST(EventFilterMatcherTest, CountryCodesAnyOf) {
  EventFilter f;
  f.add_country_codes("KEN");
  EXPECT_FALSE(MatchesFilter(Sample(), f));
  f.add_country_codes("HTI");
  EXPECT_TRUE(MatchesFilter(Sample(), f));
}

TEST(EventFilterMatcherTest, Admin1Exact) {
  EventFilter f;
  f.set_admin1("Ouest");
  EXPECT_TRUE(MatchesFilter(Sample(), f));
  f.set_admin1("ouest");
  EXPECT_FALSE(MatchesFilter(Sample(), f));
  f.set_admin1("Artibonite");
  EXPECT_FALSE(MatchesFilter(Sample(), f));
}

TEST(EventFilterMatcherTest, EventAndSubEventTypesAnyOf) {
  EventFilter f;
  f.add_event_types(v1::EVENT_TYPE_BATTLES);
  EXPECT_FALSE(MatchesFilter(Sample(), f));
  f.add_event_types(v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  EXPECT_TRUE(MatchesFilter(Sample(), f));

  EventFilter g;
  g.add_sub_event_types("Attack");
  EXPECT_FALSE(MatchesFilter(Sample(), g));
  g.add_sub_event_types("Abduction/forced disappearance");
  EXPECT_TRUE(MatchesFilter(Sample(), g));
}

TEST(EventFilterMatcherTest, ActorParticipates) {
  EventFilter f;
  f.set_actor_id("act_civ");
  EXPECT_TRUE(MatchesFilter(Sample(), f));
  f.set_actor_id("act_police");
  EXPECT_FALSE(MatchesFilter(Sample(), f));
}

TEST(EventFilterMatcherTest, DateRangeOverlapsTheEventSpan) {
  struct Case {
    const char* start;
    const char* end;
    bool match;
  } cases[] = {
      {"2024-03-12", "", true},            // starts on the last day
      {"2024-03-13", "", false},           // starts after
      {"", "2024-03-10", true},            // ends on the first day
      {"", "2024-03-09", false},           // ends before
      {"2024-03-11", "2024-03-11", true},  // inside
      {"2024-01-01", "2024-12-31", true},  // around
  };
  for (const Case& c : cases) {
    EventFilter f;
    f.mutable_date_range()->set_start_date(c.start);
    f.mutable_date_range()->set_end_date(c.end);
    EXPECT_EQ(MatchesFilter(Sample(), f), c.match) << c.start << ".." << c.end;
  }
  // Without an end_date the event is one day long.
  Event one_day = Sample();
  one_day.clear_end_date();
  EventFilter f;
  f.mutable_date_range()->set_start_date("2024-03-11");
  EXPECT_FALSE(MatchesFilter(one_day, f));
}

TEST(EventFilterMatcherTest, MinFatalities) {
  EventFilter f;
  f.set_min_fatalities(4);
  EXPECT_TRUE(MatchesFilter(Sample(), f));
  f.set_min_fatalities(5);
  EXPECT_FALSE(MatchesFilter(Sample(), f));
}

TEST(EventFilterMatcherTest, TextIsCaseInsensitiveAllWords) {
  EventFilter f;
  f.set_text("KIDNAPPED passengers");
  EXPECT_TRUE(MatchesFilter(Sample(), f));
  f.set_text("kidnapped tourists");
  EXPECT_FALSE(MatchesFilter(Sample(), f));
  f.set_text("kidnap*");
  EXPECT_TRUE(MatchesFilter(Sample(), f));
  f.set_text("kidnap");  // whole words only, like FTS5
  EXPECT_FALSE(MatchesFilter(Sample(), f));
  f.set_text("Cité");
  EXPECT_TRUE(MatchesFilter(Sample(), f));
  f.set_text("croix bouquets");  // hyphenated words are separate words
  EXPECT_TRUE(MatchesFilter(Sample(), f));
  EXPECT_THAT(TextWords("Croix-des-Bouquets, 12!"),
              ::testing::ElementsAre("croix", "des", "bouquets", "12"));
}

TEST(EventFilterMatcherTest, BoundingBoxInclusiveAndNeedsCoordinates) {
  EventFilter f;
  auto* box = f.mutable_bbox();
  box->set_min_latitude(18.55);
  box->set_max_latitude(19);
  box->set_min_longitude(-73);
  box->set_max_longitude(-72.34);
  EXPECT_TRUE(MatchesFilter(Sample(), f));  // on the corner
  box->set_min_latitude(18.56);
  EXPECT_FALSE(MatchesFilter(Sample(), f));

  box->set_min_latitude(-90);
  box->set_max_latitude(90);
  box->set_min_longitude(-180);
  box->set_max_longitude(180);
  Event nowhere = Sample();
  nowhere.mutable_location()->clear_latitude();
  nowhere.mutable_location()->clear_longitude();
  EXPECT_FALSE(MatchesFilter(nowhere, f));  // no point, no match, even for the whole world

  EventFilter zero;
  zero.mutable_bbox();  // an all-zero box means no box
  EXPECT_TRUE(MatchesFilter(nowhere, zero));
}

TEST(EventFilterMatcherTest, TagsAnyOf) {
  EventFilter f;
  f.add_tags("gang");
  EXPECT_FALSE(MatchesFilter(Sample(), f));
  f.add_tags("transport");
  EXPECT_TRUE(MatchesFilter(Sample(), f));
}

TEST(EventFilterMatcherTest, EveryFieldMustMatch) {
  EventFilter f;
  f.add_country_codes("HTI");
  f.set_admin1("Ouest");
  f.add_event_types(v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  f.set_actor_id("act_gang");
  f.set_min_fatalities(1);
  f.set_text("passengers");
  f.add_tags("kidnapping");
  EXPECT_TRUE(MatchesFilter(Sample(), f));
  f.set_min_fatalities(100);
  EXPECT_FALSE(MatchesFilter(Sample(), f));
}

}  // namespace
}  // namespace lookout::event_filter
