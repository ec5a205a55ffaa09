// Every input rule of events and update masks, including the sub-event taxonomy. The filter's
// rules are in the shared filter cases (event_filter_cases_test).
#include "event_filter/event_validation.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/errors.h"
#include "event_filter/event_taxonomy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/event/event_update_mask.h"

namespace lookout::event {
namespace {

using ::lookout::event_filter::IsKnownSubEventType;
using ::lookout::event_filter::IsSubEventTypeOf;
using ::lookout::event_filter::SubEventTypes;
using ::lookout::event_filter::ValidateEvent;

using ::lookout::event::v1::Event;
using ::testing::HasSubstr;

Event ValidEvent() {
  Event e;
  e.set_event_date("2024-03-01");
  e.set_event_type(v1::EVENT_TYPE_BATTLES);
  e.set_sub_event_type("Armed clash");
  e.mutable_location()->set_country_code("HTI");
  return e;
}

// The status is INVALID_ARGUMENT, names `field` in its payload and starts its message with it.
void ExpectInvalid(const absl::Status& status, const std::string& field,
                   const std::string& message_part = "") {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(errors::FieldOf(status), field) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith(field + ": "));
  if (!message_part.empty()) {
    EXPECT_THAT(std::string(status.message()), HasSubstr(message_part));
  }
}

TEST(EventValidationTest, MinimalEventIsValid) { EXPECT_TRUE(ValidateEvent(ValidEvent()).ok()); }

TEST(EventValidationTest, FullEventIsValid) {
  Event e = ValidEvent();
  e.set_end_date("2024-03-03");
  e.set_date_precision(lookout::type::v1::DATE_PRECISION_WEEK);
  auto* p = e.add_participants();
  p->set_actor_id("act_1");
  p->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
  p = e.add_participants();
  p->set_actor_id("act_1");
  p->set_role(v1::PARTICIPANT_ROLE_TARGET);  // same actor, other role: fine
  auto* l = e.mutable_location();
  l->set_admin1("Ouest");
  l->set_admin2("Port-au-Prince");
  l->set_place("Cité Soleil");
  l->set_latitude(18.58);
  l->set_longitude(-72.33);
  l->set_geo_precision(lookout::type::v1::GEO_PRECISION_EXACT);
  auto* c = e.add_casualties();
  c->set_kind(v1::CASUALTY_KIND_KILLED);
  c->mutable_count()->set_best(5);
  c->mutable_count()->set_low(3);
  c->mutable_count()->set_high(9);
  c = e.add_casualties();
  c->set_kind(v1::CASUALTY_KIND_INJURED);
  auto* s = e.add_sources();
  s->set_name("Le Nouvelliste");
  s->set_url("https://example.org/a");
  s->set_published_date("2024-03-02");
  e.set_notes("Gangs clashed.");
  e.add_tags("gang");
  auto* x = e.add_external_ids();
  x->set_scheme("ACLED");
  x->set_value("HTI123");
  x = e.add_external_ids();
  x->set_scheme("UCDP");
  x->set_value("42");
  EXPECT_TRUE(ValidateEvent(e).ok()) << ValidateEvent(e);
}

TEST(EventValidationTest, EventDateIsRequiredAndReal) {
  Event e = ValidEvent();
  e.clear_event_date();
  ExpectInvalid(ValidateEvent(e), "event.event_date", "required");
  e.set_event_date("2023-02-30");
  ExpectInvalid(ValidateEvent(e), "event.event_date", "calendar");
  e.set_event_date("2024/03/01");
  ExpectInvalid(ValidateEvent(e), "event.event_date");
  e.set_event_date("1899-12-31");
  ExpectInvalid(ValidateEvent(e), "event.event_date");
  // Stray spaces or signs inside the digits would break date-as-string ordering.
  for (const char* bad : {"2024-03-5 ", "2024-3 -05", "2024-+3-05"}) {
    e.set_event_date(bad);
    ExpectInvalid(ValidateEvent(e), "event.event_date");
  }
}

TEST(EventValidationTest, EndDateIsValidAndNotBeforeEventDate) {
  Event e = ValidEvent();
  e.set_end_date("2024-02-29");
  ExpectInvalid(ValidateEvent(e), "event.end_date", "on or after");
  e.set_end_date("2024-13-01");
  ExpectInvalid(ValidateEvent(e), "event.end_date");
  e.set_end_date("2024-03-01");
  EXPECT_TRUE(ValidateEvent(e).ok());
}

TEST(EventValidationTest, DatePrecisionMustBeKnown) {
  Event e = ValidEvent();
  e.set_date_precision(static_cast<lookout::type::v1::DatePrecision>(42));
  ExpectInvalid(ValidateEvent(e), "event.date_precision");
}

TEST(EventValidationTest, EventTypeIsRequiredAndKnown) {
  Event e = ValidEvent();
  e.clear_sub_event_type();
  e.set_event_type(v1::EVENT_TYPE_UNSPECIFIED);
  ExpectInvalid(ValidateEvent(e), "event.event_type", "required");
  e.set_event_type(static_cast<v1::EventType>(99));
  ExpectInvalid(ValidateEvent(e), "event.event_type");
}

TEST(EventValidationTest, SubEventTypeIsOptionalButMustBelongToTheType) {
  Event e = ValidEvent();
  e.clear_sub_event_type();
  EXPECT_TRUE(ValidateEvent(e).ok());
  e.set_sub_event_type("Peaceful protest");  // a PROTESTS sub-type, not BATTLES
  ExpectInvalid(ValidateEvent(e), "event.sub_event_type",
                "allowed: \"Armed clash\", \"Government regains territory\", "
                "\"Non-state actor overtakes territory\"");
  e.set_sub_event_type("armed clash");  // wording is exact
  ExpectInvalid(ValidateEvent(e), "event.sub_event_type");
}

TEST(EventValidationTest, TaxonomyHasDomainWording) {
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_BATTLES).size(), 3u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE).size(), 6u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS).size(), 3u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_PROTESTS).size(), 3u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_RIOTS).size(), 2u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS).size(), 8u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_CONSULT).size(), 4u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_REQUEST).size(), 3u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_AGREE).size(), 3u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_AID).size(), 4u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_REJECT).size(), 3u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_DEPLOY).size(), 3u);
  EXPECT_EQ(SubEventTypes(v1::EVENT_TYPE_LEGAL_ACTION).size(), 4u);
  EXPECT_TRUE(SubEventTypes(v1::EVENT_TYPE_UNSPECIFIED).empty());

  const std::pair<v1::EventType, const char*> samples[] = {
      {v1::EVENT_TYPE_BATTLES, "Non-state actor overtakes territory"},
      {v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Shelling/artillery/missile attack"},
      {v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Remote explosive/landmine/IED"},
      {v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Abduction/forced disappearance"},
      {v1::EVENT_TYPE_PROTESTS, "Excessive force against protesters"},
      {v1::EVENT_TYPE_RIOTS, "Mob violence"},
      {v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Headquarters or base established"},
      {v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Other"},
      {v1::EVENT_TYPE_CONSULT, "Negotiation"},
      {v1::EVENT_TYPE_REQUEST, "Request for security assistance"},
      {v1::EVENT_TYPE_AGREE, "Authorization"},
      {v1::EVENT_TYPE_AID, "Humanitarian aid"},
      {v1::EVENT_TYPE_REJECT, "Veto"},
      {v1::EVENT_TYPE_DEPLOY, "Withdrawal"},
      {v1::EVENT_TYPE_LEGAL_ACTION, "Court injunction"},
  };
  for (const auto& [type, sub] : samples) {
    EXPECT_TRUE(IsSubEventTypeOf(type, sub)) << sub;
    Event e = ValidEvent();
    e.set_event_type(type);
    e.set_sub_event_type(sub);
    EXPECT_TRUE(ValidateEvent(e).ok()) << sub;
  }
  EXPECT_FALSE(IsSubEventTypeOf(v1::EVENT_TYPE_RIOTS, "Armed clash"));
  EXPECT_TRUE(IsKnownSubEventType("Armed clash"));
  EXPECT_FALSE(IsKnownSubEventType("Gang fight"));
}

TEST(EventValidationTest, ParticipantsRules) {
  Event e = ValidEvent();
  auto* p = e.add_participants();
  p->set_actor_id("");
  ExpectInvalid(ValidateEvent(e), "event.participants[0].actor_id", "required");
  p->set_actor_id(std::string(65, 'a'));
  ExpectInvalid(ValidateEvent(e), "event.participants[0].actor_id", "64");
  p->set_actor_id("act_1");
  p->set_role(static_cast<v1::ParticipantRole>(77));
  ExpectInvalid(ValidateEvent(e), "event.participants[0].role");
  p->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
  *e.add_participants() = *p;
  ExpectInvalid(ValidateEvent(e), "event.participants[1]", "already takes part");

  Event many = ValidEvent();
  for (int i = 0; i < 101; ++i) many.add_participants()->set_actor_id("act_" + std::to_string(i));
  ExpectInvalid(ValidateEvent(many), "event.participants", "at most 100");
  many.mutable_participants()->RemoveLast();
  EXPECT_TRUE(ValidateEvent(many).ok());
}

TEST(EventValidationTest, LocationRules) {
  Event e = ValidEvent();
  e.mutable_location()->clear_country_code();
  ExpectInvalid(ValidateEvent(e), "event.location.country_code", "required");
  e.clear_location();
  ExpectInvalid(ValidateEvent(e), "event.location.country_code");
  e = ValidEvent();
  e.mutable_location()->set_country_code("HT");
  ExpectInvalid(ValidateEvent(e), "event.location.country_code");
  e.mutable_location()->set_country_code("hti");
  ExpectInvalid(ValidateEvent(e), "event.location.country_code");
  e.mutable_location()->set_country_code("XXX");
  ExpectInvalid(ValidateEvent(e), "event.location.country_code");

  for (const char* field : {"admin1", "admin2", "place"}) {
    Event t = ValidEvent();
    auto* l = t.mutable_location();
    std::string long_text(201, 'x');
    if (std::string(field) == "admin1") l->set_admin1(long_text);
    if (std::string(field) == "admin2") l->set_admin2(long_text);
    if (std::string(field) == "place") l->set_place(long_text);
    ExpectInvalid(ValidateEvent(t), std::string("event.location.") + field, "200");
  }

  e = ValidEvent();
  e.mutable_location()->set_latitude(91);
  e.mutable_location()->set_longitude(0);
  ExpectInvalid(ValidateEvent(e), "event.location.latitude", "-90 and 90");
  e.mutable_location()->set_latitude(-90);
  e.mutable_location()->set_longitude(-180.5);
  ExpectInvalid(ValidateEvent(e), "event.location.longitude", "-180 and 180");
  e.mutable_location()->set_longitude(180);
  EXPECT_TRUE(ValidateEvent(e).ok());
  e.mutable_location()->clear_longitude();
  ExpectInvalid(ValidateEvent(e), "event.location.longitude", "together");
  e.mutable_location()->clear_latitude();
  e.mutable_location()->set_longitude(10);
  ExpectInvalid(ValidateEvent(e), "event.location.latitude", "together");

  e = ValidEvent();
  e.mutable_location()->set_geo_precision(static_cast<lookout::type::v1::GeoPrecision>(9));
  ExpectInvalid(ValidateEvent(e), "event.location.geo_precision");
}

// A place at sea: the MaritimeArea hierarchy instead of a country, exactly one of the two.
Event SeaEvent() {
  Event e = ValidEvent();
  auto* l = e.mutable_location();
  l->clear_country_code();
  l->set_place("Gulf of Finland (centroid)");
  auto* sea = l->mutable_maritime();
  sea->set_basin("Atlantic Ocean");
  sea->set_region("North Atlantic Ocean");
  sea->set_body_of_water("Baltic Sea");
  sea->set_sub_basin("Gulf of Finland");
  return e;
}

TEST(EventValidationTest, MaritimeLocationIsValid) {
  EXPECT_TRUE(ValidateEvent(SeaEvent()).ok()) << ValidateEvent(SeaEvent());
  Event e = SeaEvent();
  e.mutable_location()->mutable_maritime()->clear_region();
  e.mutable_location()->mutable_maritime()->clear_body_of_water();
  e.mutable_location()->mutable_maritime()->clear_sub_basin();
  e.mutable_location()->clear_place();
  EXPECT_TRUE(ValidateEvent(e).ok()) << "a basin alone is a place";
  for (const char* basin : {"Arctic Ocean", "Atlantic Ocean", "Indian Ocean", "Pacific Ocean",
                            "Southern Ocean", "Mediterranean Sea", "Black Sea", "Red Sea",
                            "Caspian Sea", "Persian Gulf"}) {
    e.mutable_location()->mutable_maritime()->set_basin(basin);
    EXPECT_TRUE(ValidateEvent(e).ok()) << basin;
  }
  e.mutable_location()->set_latitude(13.5);
  e.mutable_location()->set_longitude(42.9);
  EXPECT_TRUE(ValidateEvent(e).ok()) << "coordinates are optional, and allowed";
}

TEST(EventValidationTest, MaritimeLocationRules) {
  Event e = SeaEvent();
  e.mutable_location()->set_country_code("FIN");
  ExpectInvalid(ValidateEvent(e), "event.location.maritime.basin", "not both");

  e = ValidEvent();  // a country event may not carry any maritime level
  e.mutable_location()->mutable_maritime()->set_body_of_water("Caribbean Sea");
  ExpectInvalid(ValidateEvent(e), "event.location.maritime.body_of_water", "not both");

  e = SeaEvent();
  e.mutable_location()->mutable_maritime()->clear_basin();
  ExpectInvalid(ValidateEvent(e), "event.location.maritime.basin", "required");

  e = SeaEvent();
  e.mutable_location()->clear_maritime();
  ExpectInvalid(ValidateEvent(e), "event.location.country_code", "maritime.basin");

  for (const char* basin : {"Atlantic", "atlantic ocean", "Caribbean Sea", " Red Sea", "HTI"}) {
    e = SeaEvent();
    e.mutable_location()->mutable_maritime()->set_basin(basin);
    ExpectInvalid(ValidateEvent(e), "event.location.maritime.basin", "Persian Gulf");
  }

  for (const char* level : {"region", "body_of_water", "sub_basin"}) {
    e = SeaEvent();
    auto* sea = e.mutable_location()->mutable_maritime();
    const std::string too_long(201, 'w');
    const std::string bad_utf8("\xff");
    for (const std::string* value : {&too_long, &bad_utf8}) {
      if (std::string(level) == "region") sea->set_region(*value);
      if (std::string(level) == "body_of_water") sea->set_body_of_water(*value);
      if (std::string(level) == "sub_basin") sea->set_sub_basin(*value);
      ExpectInvalid(ValidateEvent(e), std::string("event.location.maritime.") + level);
    }
  }

  e = SeaEvent();
  e.mutable_location()->mutable_maritime()->clear_body_of_water();
  ExpectInvalid(ValidateEvent(e), "event.location.maritime.sub_basin", "body_of_water");

  e = SeaEvent();
  e.mutable_location()->set_admin1("Uusimaa");
  ExpectInvalid(ValidateEvent(e), "event.location.admin1", "maritime location");
  e = SeaEvent();
  e.mutable_location()->set_admin2("Helsinki");
  ExpectInvalid(ValidateEvent(e), "event.location.admin2", "maritime location");

  // The coordinate rules hold at sea as on land.
  e = SeaEvent();
  e.mutable_location()->set_latitude(95);
  e.mutable_location()->set_longitude(20);
  ExpectInvalid(ValidateEvent(e), "event.location.latitude");
  e = SeaEvent();
  e.mutable_location()->set_latitude(60);
  ExpectInvalid(ValidateEvent(e), "event.location.longitude", "together");
}

TEST(EventValidationTest, CasualtyRules) {
  Event e = ValidEvent();
  auto* c = e.add_casualties();
  ExpectInvalid(ValidateEvent(e), "event.casualties[0].kind", "required");
  c->set_kind(static_cast<v1::CasualtyKind>(50));
  ExpectInvalid(ValidateEvent(e), "event.casualties[0].kind");
  c->set_kind(v1::CASUALTY_KIND_KIDNAPPED);
  c->mutable_count()->set_best(-1);
  ExpectInvalid(ValidateEvent(e), "event.casualties[0].count.best");
  c->mutable_count()->set_best(10);
  c->mutable_count()->set_low(11);
  ExpectInvalid(ValidateEvent(e), "event.casualties[0].count", "low");
  c->mutable_count()->set_low(5);
  c->mutable_count()->set_high(9);
  ExpectInvalid(ValidateEvent(e), "event.casualties[0].count", "high");
  c->mutable_count()->set_high(12);
  EXPECT_TRUE(ValidateEvent(e).ok());
  auto* again = e.add_casualties();
  again->set_kind(v1::CASUALTY_KIND_KIDNAPPED);
  ExpectInvalid(ValidateEvent(e), "event.casualties[1].kind", "at most one casualty per kind");
}

TEST(EventValidationTest, CasualtyCountsAreBoundedSoSumsCannotOverflow) {
  Event e = ValidEvent();
  auto* c = e.add_casualties();
  c->set_kind(v1::CASUALTY_KIND_KILLED);
  c->mutable_count()->set_best(event_filter::kMaxCasualtyCount);
  EXPECT_TRUE(ValidateEvent(e).ok());
  // Two of these once added up to -2 fatalities.
  c->mutable_count()->set_best(INT64_MAX);
  ExpectInvalid(ValidateEvent(e), "event.casualties[0].count.best",
                "must be at most 1000000000 (the largest casualty count), got 9223372036854775807");
  c->mutable_count()->set_best(event_filter::kMaxCasualtyCount + 1);
  ExpectInvalid(ValidateEvent(e), "event.casualties[0].count.best", "at most 1000000000");
  c->mutable_count()->set_best(10);
  c->mutable_count()->set_high(event_filter::kMaxCasualtyCount + 1);
  ExpectInvalid(ValidateEvent(e), "event.casualties[0].count.high", "at most 1000000000");
  c->mutable_count()->set_high(event_filter::kMaxCasualtyCount);
  EXPECT_TRUE(ValidateEvent(e).ok());
  // Every kind, not only KILLED.
  auto* injured = e.add_casualties();
  injured->set_kind(v1::CASUALTY_KIND_INJURED);
  injured->mutable_count()->set_best(event_filter::kMaxCasualtyCount + 1);
  ExpectInvalid(ValidateEvent(e), "event.casualties[1].count.best");
}

TEST(EventValidationTest, SourceRules) {
  Event e = ValidEvent();
  auto* s = e.add_sources();
  ExpectInvalid(ValidateEvent(e), "event.sources[0].name", "required");
  s->set_name("AP");
  s->set_published_date("2024-02-31");
  ExpectInvalid(ValidateEvent(e), "event.sources[0].published_date");
  s->set_published_date("");
  s->set_url(std::string(2049, 'u'));
  ExpectInvalid(ValidateEvent(e), "event.sources[0].url");
  s->set_url("https://apnews.com");
  EXPECT_TRUE(ValidateEvent(e).ok());
  for (int i = 0; i < 100; ++i) *e.add_sources() = *s;
  ExpectInvalid(ValidateEvent(e), "event.sources", "at most 100");
}

TEST(EventValidationTest, NotesAndTagsRules) {
  Event e = ValidEvent();
  e.set_notes(std::string(10001, 'n'));
  ExpectInvalid(ValidateEvent(e), "event.notes", "10000");
  e.set_notes(std::string(10000, 'n'));
  EXPECT_TRUE(ValidateEvent(e).ok());
  e.set_notes("bad \xff utf8");
  ExpectInvalid(ValidateEvent(e), "event.notes", "UTF-8");

  e = ValidEvent();
  e.add_tags("");
  ExpectInvalid(ValidateEvent(e), "event.tags[0]", "required");
  e.set_tags(0, std::string(101, 't'));
  ExpectInvalid(ValidateEvent(e), "event.tags[0]", "100");
  e.set_tags(0, std::string(100, 't'));
  EXPECT_TRUE(ValidateEvent(e).ok());
  for (int i = 0; i < 100; ++i) e.add_tags("t");
  ExpectInvalid(ValidateEvent(e), "event.tags", "at most 100");
}

TEST(EventValidationTest, ExternalIdRules) {
  Event e = ValidEvent();
  auto* x = e.add_external_ids();
  x->set_value("1");
  ExpectInvalid(ValidateEvent(e), "event.external_ids[0].scheme", "required");
  x->set_scheme("ACLED");
  x->set_value("");
  ExpectInvalid(ValidateEvent(e), "event.external_ids[0].value", "required");
  x->set_value("HTI1");
  auto* y = e.add_external_ids();
  y->set_scheme("ACLED");
  y->set_value("HTI2");
  ExpectInvalid(ValidateEvent(e), "event.external_ids[1].scheme", "at most one external id");
}

TEST(EventValidationTest, OutputOnlyFieldsAreNotJudged) {
  Event e = ValidEvent();
  e.set_id("anything at all, even too long ........................................");
  e.set_fatalities(-5);
  e.set_sequence(-1);
  e.set_etag("x");
  EXPECT_TRUE(ValidateEvent(e).ok());
}

TEST(EventValidationTest, PrefixIsUsedInFieldPaths) {
  Event e = ValidEvent();
  e.clear_event_date();
  ExpectInvalid(ValidateEvent(e, "row"), "row.event_date");
}

TEST(EventValidationTest, UpdateMaskRules) {
  google::protobuf::FieldMask mask;
  ExpectInvalid(ValidateUpdateMask(mask), "update_mask", "required");
  for (const char* path :
       {"event_date", "end_date", "date_precision", "event_type", "sub_event_type", "participants",
        "location", "location.latitude", "location.country_code", "casualties",
        "civilian_targeting", "sources", "notes", "tags", "external_ids"}) {
    mask.Clear();
    mask.add_paths(path);
    EXPECT_TRUE(ValidateUpdateMask(mask).ok()) << path;
  }
  for (const char* path : {"id", "fatalities", "create_time", "update_time", "sequence", "etag"}) {
    mask.Clear();
    mask.add_paths("notes");
    mask.add_paths(path);
    ExpectInvalid(ValidateUpdateMask(mask), "update_mask.paths[1]", "output only");
  }
  mask.Clear();
  mask.add_paths("colour");
  ExpectInvalid(ValidateUpdateMask(mask), "update_mask.paths[0]", "not an updatable field");
  mask.Clear();
  mask.add_paths("eventDate");  // JSON names are converted by the client library, not here
  ExpectInvalid(ValidateUpdateMask(mask), "update_mask.paths[0]");
}

TEST(EventValidationTest, ApplyUpdateMaskCopiesOnlyNamedFields) {
  Event stored = ValidEvent();
  stored.set_notes("old");
  stored.mutable_location()->set_place("Delmas");
  stored.mutable_location()->set_latitude(18.5);
  stored.mutable_location()->set_longitude(-72.3);
  stored.add_tags("a");

  Event patch;
  patch.set_notes("new");
  patch.add_tags("b");
  patch.mutable_location()->set_place("Pétion-Ville");
  patch.set_event_date("1999-01-01");  // not in the mask: ignored

  google::protobuf::FieldMask mask;
  mask.add_paths("notes");
  mask.add_paths("location.place");
  mask.add_paths("location.latitude");
  mask.add_paths("tags");
  Event merged = stored;
  ApplyUpdateMask(mask, patch, &merged);
  EXPECT_EQ(merged.notes(), "new");
  EXPECT_EQ(merged.location().place(), "Pétion-Ville");
  EXPECT_EQ(merged.location().country_code(), "HTI");
  EXPECT_FALSE(merged.location().has_latitude());  // cleared: absent in the patch
  EXPECT_TRUE(merged.location().has_longitude());
  EXPECT_THAT(merged.tags(), ::testing::ElementsAre("b"));
  EXPECT_EQ(merged.event_date(), "2024-03-01");
  // Revalidated whole, the half-cleared point is refused, naming the missing half.
  ExpectInvalid(ValidateEvent(merged), "event.location.latitude");

  mask.Clear();
  mask.add_paths("location");
  merged = stored;
  ApplyUpdateMask(mask, patch, &merged);
  EXPECT_EQ(merged.location().country_code(), "");  // whole message replaced
}

}  // namespace
}  // namespace lookout::event

namespace lookout::event {
namespace {

TEST(SourceAttributesValidationTest, EachRangeIsCheckedNamingTheField) {
  struct Case {
    std::function<void(Event*)> set;
    const char* field;
  };
  const std::vector<Case> cases = {
      {[](Event* e) { e->mutable_gdelt()->set_goldstein_scale(10.5); },
       "event.gdelt.goldstein_scale"},
      {[](Event* e) { e->mutable_gdelt()->set_quad_class(5); }, "event.gdelt.quad_class"},
      {[](Event* e) { e->mutable_gdelt()->set_avg_tone(-101); }, "event.gdelt.avg_tone"},
      {[](Event* e) { e->mutable_gdelt()->set_num_mentions(-1); }, "event.gdelt.num_mentions"},
      {[](Event* e) { e->mutable_gdelt()->mutable_action_geo()->set_type(6); },
       "event.gdelt.action_geo.type"},
      {[](Event* e) { e->mutable_gdelt()->mutable_actor2_geo()->set_latitude(91); },
       "event.gdelt.actor2_geo.latitude"},
      {[](Event* e) { e->mutable_gdelt()->mutable_actor1()->set_code(std::string(201, 'A')); },
       "event.gdelt.actor1.code"},
      {[](Event* e) { e->mutable_acled()->set_inter1(9); }, "event.acled.inter1"},
      {[](Event* e) { e->mutable_acled()->set_interaction(19); }, "event.acled.interaction"},
      {[](Event* e) { e->mutable_acled()->set_timestamp(-1); }, "event.acled.timestamp"},
      {[](Event* e) { e->mutable_ucdp()->set_type_of_violence(4); }, "event.ucdp.type_of_violence"},
      {[](Event* e) { e->mutable_ucdp()->set_where_prec(8); }, "event.ucdp.where_prec"},
      {[](Event* e) { e->mutable_ucdp()->set_dyad_id(-2); }, "event.ucdp.dyad_id"},
      {[](Event* e) { e->mutable_ucdp()->set_deaths_a(-1); }, "event.ucdp.deaths_a"},
  };
  for (const Case& c : cases) {
    Event e = ValidEvent();
    c.set(&e);
    ExpectInvalid(ValidateEvent(e), c.field);
  }
  Event e = ValidEvent();
  e.mutable_gdelt()->set_goldstein_scale(-10);
  e.mutable_gdelt()->set_quad_class(4);
  e.mutable_gdelt()->set_avg_tone(-99.5);
  EXPECT_TRUE(ValidateEvent(e).ok()) << ValidateEvent(e);
}

TEST(SourceAttributesValidationTest, FilterFieldsAreChecked) {
  v1::EventFilter f;
  f.mutable_goldstein_scale()->set_min(-11);
  ExpectInvalid(event_filter::ValidateFilter(f), "filter.goldstein_scale.min");
  f.Clear();
  f.mutable_avg_tone()->set_min(5);
  f.mutable_avg_tone()->set_max(1);
  ExpectInvalid(event_filter::ValidateFilter(f), "filter.avg_tone.min", "must not exceed max");
  f.Clear();
  f.add_quad_classes(0);
  ExpectInvalid(event_filter::ValidateFilter(f), "filter.quad_classes[0]");
  f.Clear();
  f.set_min_num_mentions(-1);
  ExpectInvalid(event_filter::ValidateFilter(f), "filter.min_num_mentions");
  f.Clear();
  f.add_interactions(13);
  f.add_interactions(90);
  ExpectInvalid(event_filter::ValidateFilter(f), "filter.interactions[1]");
  f.Clear();
  f.add_ucdp_dyad_ids(0);
  ExpectInvalid(event_filter::ValidateFilter(f), "filter.ucdp_dyad_ids[0]");
  f.Clear();
  f.add_disorder_types("");
  ExpectInvalid(event_filter::ValidateFilter(f), "filter.disorder_types[0]");
}

TEST(SourceAttributesValidationTest, AnUpdateKeepsThemUnlessTheMaskNamesThem) {
  Event stored = ValidEvent();
  stored.mutable_gdelt()->set_goldstein_scale(-7);
  Event patch;
  patch.set_notes("new");
  google::protobuf::FieldMask mask;
  mask.add_paths("notes");
  Event merged = stored;
  ApplyUpdateMask(mask, patch, &merged);
  EXPECT_DOUBLE_EQ(merged.gdelt().goldstein_scale(), -7);

  // Naming another source's member leaves these alone.
  mask.Clear();
  mask.add_paths("acled");
  merged = stored;
  ApplyUpdateMask(mask, patch, &merged);
  EXPECT_TRUE(merged.has_gdelt());

  // Naming "gdelt" replaces them, or removes them when the request has none.
  mask.Clear();
  mask.add_paths("gdelt");
  merged = stored;
  ApplyUpdateMask(mask, patch, &merged);
  EXPECT_FALSE(merged.has_gdelt());
  patch.mutable_gdelt()->set_goldstein_scale(3);
  merged = stored;
  ApplyUpdateMask(mask, patch, &merged);
  EXPECT_DOUBLE_EQ(merged.gdelt().goldstein_scale(), 3);
  // And "acled" sets ACLED's, replacing the oneof's GDELT member.
  patch.mutable_acled()->set_interaction(13);
  mask.Clear();
  mask.add_paths("acled");
  merged = stored;
  ApplyUpdateMask(mask, patch, &merged);
  EXPECT_EQ(merged.acled().interaction(), 13);
  EXPECT_FALSE(merged.has_gdelt());
}

}  // namespace
}  // namespace lookout::event
