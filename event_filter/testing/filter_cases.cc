#include "event_filter/testing/filter_cases.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace lookout::event_filter::testing {
namespace {

namespace v1 = ::lookout::event::v1;
using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;

constexpr char kGang[] = "act_gang";
constexpr char kCivilians[] = "act_civ";
constexpr char kPolice[] = "act_police";

constexpr char kAbduction[] = "Abduction/forced disappearance";
constexpr char kNotes[] =
    "Armed men kidnapped 12 passengers near Croix-des-Bouquets; Cité Soleil calm.";

void SetKilled(Event& e, int64_t killed) {
  auto* c = e.add_casualties();
  c->set_kind(v1::CASUALTY_KIND_KILLED);
  c->mutable_count()->set_best(killed);
  e.set_fatalities(killed);  // what the event service derives
}

// A kidnapping in Haiti over three days; every field a filter reads is set.
Event Sample() {
  Event e;
  e.set_event_date("2024-03-10");
  e.set_end_date("2024-03-12");
  e.set_event_type(v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  e.set_sub_event_type(kAbduction);
  auto* p = e.add_participants();
  p->set_actor_id(kGang);
  p->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
  p = e.add_participants();
  p->set_actor_id(kCivilians);
  p->set_role(v1::PARTICIPANT_ROLE_TARGET);
  auto* l = e.mutable_location();
  l->set_country_code("HTI");
  l->set_admin1("Ouest");
  l->set_latitude(18.55);
  l->set_longitude(-72.34);
  SetKilled(e, 4);
  auto* injured = e.add_casualties();
  injured->set_kind(v1::CASUALTY_KIND_INJURED);
  injured->mutable_count()->set_best(10);
  e.set_notes(kNotes);
  e.add_tags("kidnapping");
  e.add_tags("transport");
  return e;
}

// What a client must send and nothing more: a day, a type, a country.
Event Minimal() {
  Event e;
  e.set_event_date("2024-03-10");
  e.set_event_type(v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  e.mutable_location()->set_country_code("HTI");
  return e;
}

Event Changed(const std::function<void(Event&)>& change) {
  Event e = Sample();
  change(e);
  return e;
}

EventFilter Filter(const std::function<void(EventFilter&)>& set) {
  EventFilter f;
  set(f);
  return f;
}

EventFilter Box(double min_lat, double max_lat, double min_lon, double max_lon) {
  EventFilter f;
  f.mutable_bbox()->set_min_latitude(min_lat);
  f.mutable_bbox()->set_max_latitude(max_lat);
  f.mutable_bbox()->set_min_longitude(min_lon);
  f.mutable_bbox()->set_max_longitude(max_lon);
  return f;
}

EventFilter Dates(const char* start, const char* end) {
  EventFilter f;
  f.mutable_date_range()->set_start_date(start);
  f.mutable_date_range()->set_end_date(end);
  return f;
}

EventFilter Text(const char* text) {
  EventFilter f;
  f.set_text(text);
  return f;
}

Event WithNotes(const char* notes) {
  return Changed([&](Event& e) { e.set_notes(notes); });
}

class Table {
 public:
  void Match(std::string name, EventFilter filter, Event event = Sample()) {
    Add(std::move(name), std::move(filter), std::move(event), true);
  }
  void Miss(std::string name, EventFilter filter, Event event = Sample()) {
    Add(std::move(name), std::move(filter), std::move(event), false);
  }
  void Invalid(std::string name, EventFilter filter, std::string field, std::string part) {
    FilterCase& c = Add(std::move(name), std::move(filter), Sample(), false);
    c.error_field = std::move(field);
    c.error_part = std::move(part);
  }
  std::vector<FilterCase> Take() { return std::move(cases_); }

 private:
  FilterCase& Add(std::string name, EventFilter filter, Event event, bool matches) {
    FilterCase& c = cases_.emplace_back();
    c.name = std::move(name);
    c.filter = std::move(filter);
    c.event = std::move(event);
    c.matches = matches;
    return c;
  }
  std::vector<FilterCase> cases_;
};

std::vector<FilterCase> BuildCases() {
  Table t;
  const Event nowhere = Changed([](Event& e) {
    e.mutable_location()->clear_latitude();
    e.mutable_location()->clear_longitude();
  });
  const Event one_day = Changed([](Event& e) { e.clear_end_date(); });
  const Event unkilled = Changed([](Event& e) {
    e.clear_casualties();
    e.clear_fatalities();
  });

  // No filter: everything.
  t.Match("empty filter, full event", EventFilter());
  t.Match("empty filter, minimal event", EventFilter(), Minimal());

  // country_codes: any of, exact upper-case ISO alpha-3.
  t.Miss("country other", Filter([](EventFilter& f) { f.add_country_codes("KEN"); }));
  t.Match("country any of", Filter([](EventFilter& f) {
            f.add_country_codes("KEN");
            f.add_country_codes("HTI");
          }));
  t.Invalid("country not a code", Filter([](EventFilter& f) {
              f.add_country_codes("HTI");
              f.add_country_codes("kenya");
            }),
            "filter.country_codes[1]", "ISO 3166-1 alpha-3");
  t.Invalid("country lower case", Filter([](EventFilter& f) { f.add_country_codes("hti"); }),
            "filter.country_codes[0]", "upper case");
  t.Invalid("country too many", Filter([](EventFilter& f) {
              for (int i = 0; i < 301; ++i) f.add_country_codes("HTI");
            }),
            "filter.country_codes", "at most 300 entries");

  // admin1: exact, case included.
  t.Match("admin1 exact", Filter([](EventFilter& f) { f.set_admin1("Ouest"); }));
  t.Miss("admin1 case differs", Filter([](EventFilter& f) { f.set_admin1("ouest"); }));
  t.Miss("admin1 other", Filter([](EventFilter& f) { f.set_admin1("Artibonite"); }));
  t.Miss("admin1 event has none", Filter([](EventFilter& f) { f.set_admin1("Ouest"); }), Minimal());
  t.Invalid("admin1 too long", Filter([](EventFilter& f) { f.set_admin1(std::string(201, 'a')); }),
            "filter.admin1", "200");

  // event_types: any of.
  t.Miss("event type other",
         Filter([](EventFilter& f) { f.add_event_types(v1::EVENT_TYPE_BATTLES); }));
  t.Match("event type any of", Filter([](EventFilter& f) {
            f.add_event_types(v1::EVENT_TYPE_BATTLES);
            f.add_event_types(v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
          }));
  t.Invalid("event type unspecified", Filter([](EventFilter& f) {
              f.add_event_types(v1::EVENT_TYPE_RIOTS);
              f.add_event_types(v1::EVENT_TYPE_UNSPECIFIED);
            }),
            "filter.event_types[1]", "required");
  t.Invalid("event type unknown",
            Filter([](EventFilter& f) { f.add_event_types(static_cast<v1::EventType>(1234)); }),
            "filter.event_types[0]", "1234");

  // sub_event_types: any of, the taxonomy's exact wording.
  t.Miss("sub-event type other", Filter([](EventFilter& f) { f.add_sub_event_types("Attack"); }));
  t.Match("sub-event type any of", Filter([](EventFilter& f) {
            f.add_sub_event_types("Attack");
            f.add_sub_event_types(kAbduction);
          }));
  t.Miss("sub-event type event has none",
         Filter([](EventFilter& f) { f.add_sub_event_types(kAbduction); }), Minimal());
  t.Invalid("sub-event type wording is exact",
            Filter([](EventFilter& f) { f.add_sub_event_types("abduction/forced disappearance"); }),
            "filter.sub_event_types[0]", "is not a known sub-event type");
  t.Invalid("sub-event type unknown names the types' values", Filter([](EventFilter& f) {
              f.add_event_types(v1::EVENT_TYPE_RIOTS);
              f.add_sub_event_types("Mob violence");
              f.add_sub_event_types("Street party");
            }),
            "filter.sub_event_types[1]", "\"Violent demonstration\"");

  // actor_id: takes part in any role.
  t.Match("actor primary", Filter([](EventFilter& f) { f.set_actor_id(kGang); }));
  t.Match("actor target", Filter([](EventFilter& f) { f.set_actor_id(kCivilians); }));
  t.Miss("actor not taking part", Filter([](EventFilter& f) { f.set_actor_id(kPolice); }));
  t.Miss("actor event has none", Filter([](EventFilter& f) { f.set_actor_id(kGang); }), Minimal());
  t.Invalid("actor too long", Filter([](EventFilter& f) { f.set_actor_id(std::string(65, 'a')); }),
            "filter.actor_id", "64");

  // date_range: overlaps [event_date, end_date], both ends inclusive.
  t.Match("dates start on the last day", Dates("2024-03-12", ""));
  t.Miss("dates start after the last day", Dates("2024-03-13", ""));
  t.Match("dates end on the first day", Dates("", "2024-03-10"));
  t.Miss("dates end before the first day", Dates("", "2024-03-09"));
  t.Match("dates inside the span", Dates("2024-03-11", "2024-03-11"));
  t.Match("dates around the span", Dates("2024-01-01", "2024-12-31"));
  t.Match("dates one-day event on its day", Dates("2024-03-10", "2024-03-10"), one_day);
  t.Miss("dates one-day event, range after", Dates("2024-03-11", ""), one_day);
  t.Miss("dates one-day event, range before", Dates("", "2024-03-09"), one_day);
  t.Invalid("dates start not a calendar day", Dates("2024-02-30", ""),
            "filter.date_range.start_date", "calendar");
  t.Invalid("dates end not YYYY-MM-DD", Dates("", "2024/03/01"), "filter.date_range.end_date",
            "YYYY-MM-DD");
  t.Invalid("dates start after end", Dates("2024-03-02", "2024-03-01"), "filter.date_range",
            "must not be after");

  // min_fatalities: best KILLED count, inclusive; other casualties do not count.
  t.Match("fatalities equal", Filter([](EventFilter& f) { f.set_min_fatalities(4); }));
  t.Miss("fatalities above", Filter([](EventFilter& f) { f.set_min_fatalities(5); }));
  t.Miss("fatalities only KILLED counts", Filter([](EventFilter& f) { f.set_min_fatalities(10); }));
  t.Miss("fatalities event has none", Filter([](EventFilter& f) { f.set_min_fatalities(1); }),
         unkilled);
  t.Invalid("fatalities negative", Filter([](EventFilter& f) { f.set_min_fatalities(-1); }),
            "filter.min_fatalities", "must not be negative");

  // text: every word of the query is a word of the notes, as FTS5's unicode61 tokenizer
  // (remove_diacritics 2) reads both: letters and digits; case folded in every script, Latin
  // accents removed; everything else separates words. A word with '*' right after it is a
  // prefix. Nothing is query syntax: no operators, phrases or column filters.
  t.Match("text words ignore ASCII case", Text("KIDNAPPED passengers"));
  t.Match("text words in any order", Text("soleil armed"));
  t.Miss("text every word must appear", Text("kidnapped tourists"));
  t.Match("text prefix", Text("kidnap*"));
  t.Miss("text whole words only", Text("kidnap"));
  t.Miss("text prefix is the whole word before '*'", Text("kid*napped"));
  t.Match("text digits are words", Text("12"));
  t.Match("text non-ASCII word as written", Text("Cité"));
  t.Miss("text event has no notes", Text("armed"), Minimal());
  t.Match("text unaccented query, accented notes", Text("Cite"));
  t.Match("text accented query, unaccented notes", Text("Pétionville"),
          WithNotes("Barricades in Petionville overnight."));
  t.Match("text upper-case non-ASCII", Text("CITÉ"));
  t.Match("text upper-case accented prefix", Text("SOLÈ*"));
  t.Match("text Spanish letters", Text("PENALOLEN"), WithNotes("Protesta en Peñalolén."));
  t.Match("text Latin Extended-A letters", Text("L'HAY-LES-ROSES"),
          WithNotes("Rassemblement à L'Haÿ-les-Roses."));
  t.Match("text ligature case folded", Text("CŒUR"), WithNotes("Tirs au cœur de la ville."));
  t.Miss("text ligature is a letter of its own", Text("coeur"),
         WithNotes("Tirs au cœur de la ville."));
  t.Match("text decomposed accents in the notes", Text("Cité"),
          WithNotes("Cite\xcc\x81 Soleil calm."));  // 'e' + U+0301 COMBINING ACUTE ACCENT
  t.Match("text typographic apostrophe separates", Text("eglise"),
          WithNotes("Incendie de l\xe2\x80\x99\xc3\xa9glise."));  // l’église
  t.Match("text Cyrillic case folded", Text("протест"), WithNotes("ПРОТЕСТ у посольства."));
  t.Match("text hyphenated name", Text("Croix-des-Bouquets"));
  t.Miss("text hyphenated name, a word missing", Text("Croix-des-Missions"));
  t.Match("text hyphen splits words", Text("croix bouquets"));
  t.Match("text leading '-' is no exclusion", Text("-armed"));
  t.Miss("text OR is a word", Text("tourists OR calm"));
  t.Match("text OR is a word the notes may hold", Text("OR volés"),
          WithNotes("Or et bijoux volés au marché."));
  t.Miss("text AND is a word", Text("armed AND calm"));
  t.Miss("text NOT is a word", Text("kidnapped NOT tourists"));
  t.Match("text NEAR is a word", Text("NEAR(armed calm)"));
  t.Match("text quotes are not a phrase", Text("\"soleil cité\""));
  t.Match("text unbalanced quote", Text("\"kidnapped"));
  t.Miss("text column filter is words", Text("notes:armed"));
  t.Match("text FTS5 syntax characters separate", Text("(armed) + {calm}: ^soleil *"));
  // A word longer than any query (PostgreSQL keeps words of at most 2 KB in its index; the
  // store keeps the start of a longer one for prefixes): a prefix still finds it, and a query
  // word that is only its start does not.
  const std::string long_word = std::string(1200, 'x') + "tail";
  t.Match("text prefix of a word longer than any query",
          Text((std::string(400, 'x') + "*").c_str()), WithNotes(("Graffiti " + long_word).c_str()));
  t.Miss("text start of a long word is not the word", Text(std::string(400, 'x').c_str()),
         WithNotes(("Graffiti " + long_word).c_str()));
  t.Match("text word after a long word", Text("graffiti"),
          WithNotes((long_word + " graffiti").c_str()));
  t.Invalid("text too long", Text(std::string(501, 'w').c_str()), "filter.text", "500");
  t.Invalid("text without a word", Text("\"*\" - ( ) :"), "filter.text", "must contain a word");
  t.Invalid("text blank", Text("   "), "filter.text", "must contain a word");

  // bbox: inclusive on every edge; no point, no match; an all-zero box is no box.
  t.Match("box min latitude and max longitude edges", Box(18.55, 19, -73, -72.34));
  t.Match("box max latitude and min longitude edges", Box(18, 18.55, -72.34, -72));
  t.Match("box a single point", Box(18.55, 18.55, -72.34, -72.34));
  t.Miss("box north of the event", Box(18.56, 19, -73, -72));
  t.Miss("box south of the event", Box(18, 18.54, -73, -72));
  t.Miss("box east of the event", Box(18, 19, -72.33, -72));
  t.Miss("box west of the event", Box(18, 19, -73, -72.35));
  t.Miss("box event without a point", Box(-90, 90, -180, 180), nowhere);
  t.Match("box all zero is no box", Box(0, 0, 0, 0), nowhere);
  t.Invalid("box latitude out of range", Box(18, 95, -73, -72), "filter.bbox.max_latitude",
            "-90 and 90");
  t.Invalid("box latitudes reversed", Box(19, 18, -73, -72), "filter.bbox.min_latitude",
            "must not exceed max_latitude");
  t.Invalid("box longitude out of range", Box(18, 19, -190, -72), "filter.bbox.min_longitude",
            "-180 and 180");
  t.Invalid("box longitudes reversed (no antimeridian)", Box(18, 19, 170, -170),
            "filter.bbox.min_longitude", "must not exceed max_longitude");

  // tags: any of, exact.
  t.Miss("tags other", Filter([](EventFilter& f) { f.add_tags("gang"); }));
  t.Match("tags any of", Filter([](EventFilter& f) {
            f.add_tags("gang");
            f.add_tags("transport");
          }));
  t.Miss("tags case differs", Filter([](EventFilter& f) { f.add_tags("Kidnapping"); }));
  t.Miss("tags event has none", Filter([](EventFilter& f) { f.add_tags("kidnapping"); }),
         Minimal());
  t.Invalid("tags empty", Filter([](EventFilter& f) { f.add_tags(""); }), "filter.tags[0]",
            "required");
  t.Invalid("tags too long", Filter([](EventFilter& f) { f.add_tags(std::string(101, 't')); }),
            "filter.tags[0]", "100");

  // Source attributes (fields 11-19): each needs the attributes it reads; an event of another
  // source, or of none, never matches. Ranges are inclusive; a range with no bound tests nothing.
  const Event gdelt = Changed([](Event& e) {
    auto* g = e.mutable_gdelt();
    g->set_goldstein_scale(-6.5);
    g->set_avg_tone(-2.02774813233724);
    g->set_quad_class(4);
    g->set_num_mentions(7);
    g->set_is_root_event(true);
  });
  const Event acled = Changed([](Event& e) {
    e.mutable_acled()->set_disorder_type("Political violence");
    e.mutable_acled()->set_interaction(37);
  });
  const Event ucdp = Changed([](Event& e) {
    e.mutable_ucdp()->set_conflict_id(4591);
    e.mutable_ucdp()->set_dyad_id(5201);
  });
  auto goldstein = [](std::optional<double> min, std::optional<double> max) {
    EventFilter f;
    if (min) f.mutable_goldstein_scale()->set_min(*min);
    if (max) f.mutable_goldstein_scale()->set_max(*max);
    return f;
  };
  auto tone = [](std::optional<double> min, std::optional<double> max) {
    EventFilter f;
    if (min) f.mutable_avg_tone()->set_min(*min);
    if (max) f.mutable_avg_tone()->set_max(*max);
    return f;
  };
  t.Match("goldstein min inclusive", goldstein(-6.5, std::nullopt), gdelt);
  t.Miss("goldstein min above", goldstein(-6.4, std::nullopt), gdelt);
  t.Match("goldstein max inclusive", goldstein(std::nullopt, -6.5), gdelt);
  t.Match("goldstein both bounds", goldstein(-10, 0), gdelt);
  t.Miss("goldstein event not from GDELT", goldstein(-10, 10));
  t.Miss("goldstein ACLED event", goldstein(-10, 10), acled);
  t.Match("goldstein no bound tests nothing",
          Filter([](EventFilter& f) { f.mutable_goldstein_scale(); }));
  t.Invalid("goldstein out of range", goldstein(-11, std::nullopt), "filter.goldstein_scale.min",
            "-10 and 10");
  t.Invalid("goldstein reversed", goldstein(2, 1), "filter.goldstein_scale.min",
            "must not exceed max");
  t.Match("tone max inclusive at full precision", tone(std::nullopt, -2.02774813233724), gdelt);
  t.Match("tone min inclusive at full precision", tone(-2.02774813233724, std::nullopt), gdelt);
  t.Miss("tone min just above", tone(-2.0277481323372, std::nullopt), gdelt);
  t.Miss("tone max just below", tone(std::nullopt, -2.0277481323373), gdelt);
  t.Miss("tone event not from GDELT", tone(-100, 100), ucdp);
  t.Invalid("tone out of range", tone(std::nullopt, 101), "filter.avg_tone.max", "-100 and 100");
  t.Match("quad class any of", Filter([](EventFilter& f) {
            f.add_quad_classes(1);
            f.add_quad_classes(4);
          }),
          gdelt);
  t.Miss("quad class other", Filter([](EventFilter& f) { f.add_quad_classes(3); }), gdelt);
  t.Miss("quad class event not from GDELT", Filter([](EventFilter& f) { f.add_quad_classes(4); }));
  t.Invalid("quad class out of range", Filter([](EventFilter& f) { f.add_quad_classes(5); }),
            "filter.quad_classes[0]", "1-4");
  t.Match("mentions equal", Filter([](EventFilter& f) { f.set_min_num_mentions(7); }), gdelt);
  t.Miss("mentions above", Filter([](EventFilter& f) { f.set_min_num_mentions(8); }), gdelt);
  t.Miss("mentions event not from GDELT",
         Filter([](EventFilter& f) { f.set_min_num_mentions(1); }));
  t.Invalid("mentions negative", Filter([](EventFilter& f) { f.set_min_num_mentions(-1); }),
            "filter.min_num_mentions", "must not be negative");
  t.Match("root event true", Filter([](EventFilter& f) { f.set_is_root_event(true); }), gdelt);
  t.Miss("root event false", Filter([](EventFilter& f) { f.set_is_root_event(false); }), gdelt);
  t.Miss("root event false, event not from GDELT",
         Filter([](EventFilter& f) { f.set_is_root_event(false); }));
  t.Match("disorder type exact", Filter([](EventFilter& f) {
            f.add_disorder_types("Demonstrations");
            f.add_disorder_types("Political violence");
          }),
          acled);
  t.Miss("disorder type case differs",
         Filter([](EventFilter& f) { f.add_disorder_types("political violence"); }), acled);
  t.Miss("disorder type event not from ACLED",
         Filter([](EventFilter& f) { f.add_disorder_types("Political violence"); }), gdelt);
  t.Invalid("disorder type empty", Filter([](EventFilter& f) { f.add_disorder_types(""); }),
            "filter.disorder_types[0]", "required");
  t.Match("interaction any of", Filter([](EventFilter& f) {
            f.add_interactions(13);
            f.add_interactions(37);
          }),
          acled);
  t.Miss("interaction other", Filter([](EventFilter& f) { f.add_interactions(73); }), acled);
  t.Invalid("interaction digit above 8", Filter([](EventFilter& f) { f.add_interactions(19); }),
            "filter.interactions[0]", "0-88");
  t.Match("conflict id any of", Filter([](EventFilter& f) {
            f.add_ucdp_conflict_ids(1);
            f.add_ucdp_conflict_ids(4591);
          }),
          ucdp);
  t.Miss("conflict id other", Filter([](EventFilter& f) { f.add_ucdp_conflict_ids(4592); }), ucdp);
  t.Miss("conflict id event not from UCDP",
         Filter([](EventFilter& f) { f.add_ucdp_conflict_ids(4591); }));
  t.Invalid("conflict id negative", Filter([](EventFilter& f) { f.add_ucdp_conflict_ids(-3); }),
            "filter.ucdp_conflict_ids[0]", "at least 1");
  t.Match("dyad id and conflict id", Filter([](EventFilter& f) {
            f.add_ucdp_conflict_ids(4591);
            f.add_ucdp_dyad_ids(5201);
          }),
          ucdp);
  t.Miss("dyad id other", Filter([](EventFilter& f) { f.add_ucdp_dyad_ids(5202); }), ucdp);
  t.Invalid("dyad id zero", Filter([](EventFilter& f) { f.add_ucdp_dyad_ids(0); }),
            "filter.ucdp_dyad_ids[0]", "at least 1");
  t.Miss("attributes of two sources never both match", Filter([](EventFilter& f) {
           f.add_quad_classes(4);
           f.add_disorder_types("Political violence");
         }),
         gdelt);
  t.Match("attributes with ordinary fields", Filter([](EventFilter& f) {
            f.add_country_codes("HTI");
            f.mutable_goldstein_scale()->set_max(0);
            f.set_is_root_event(true);
          }),
          gdelt);
  // maritime_basins and bodies_of_water: events at sea, by basin (documented names, exact) and
  // by body of water (exact text). Country events have neither; sea events have no country.
  const Event at_sea = Changed([](Event& e) {
    auto* l = e.mutable_location();
    l->clear_country_code();
    l->clear_admin1();
    l->set_place("Windward Passage (centroid)");
    auto* sea = l->mutable_maritime();
    sea->set_basin("Atlantic Ocean");
    sea->set_region("North Atlantic Ocean");
    sea->set_body_of_water("Caribbean Sea");
    sea->set_sub_basin("Windward Passage");
  });
  t.Match("maritime_basins the event's basin",
          Filter([](EventFilter& f) { f.add_maritime_basins("Atlantic Ocean"); }), at_sea);
  t.Match("maritime_basins any of", Filter([](EventFilter& f) {
            f.add_maritime_basins("Red Sea");
            f.add_maritime_basins("Atlantic Ocean");
          }),
          at_sea);
  t.Miss("maritime_basins other basin",
         Filter([](EventFilter& f) { f.add_maritime_basins("Red Sea"); }), at_sea);
  t.Miss("maritime_basins country event",
         Filter([](EventFilter& f) { f.add_maritime_basins("Atlantic Ocean"); }));
  t.Miss("country_codes sea event has no country",
         Filter([](EventFilter& f) { f.add_country_codes("HTI"); }), at_sea);
  t.Miss("maritime_basins and country_codes match nothing", Filter([](EventFilter& f) {
           f.add_country_codes("HTI");
           f.add_maritime_basins("Atlantic Ocean");
         }),
         at_sea);
  t.Match("no filter matches a sea event", EventFilter(), at_sea);
  t.Invalid("maritime_basins unknown",
            Filter([](EventFilter& f) { f.add_maritime_basins("Atlantic"); }),
            "filter.maritime_basins[0]", "is not a maritime basin");
  t.Invalid("maritime_basins case differs", Filter([](EventFilter& f) {
              f.add_maritime_basins("Red Sea");
              f.add_maritime_basins("red sea");
            }),
            "filter.maritime_basins[1]", "Atlantic Ocean");
  t.Invalid("maritime_basins empty", Filter([](EventFilter& f) { f.add_maritime_basins(""); }),
            "filter.maritime_basins[0]", "is not a maritime basin");
  t.Match("bodies_of_water the event's",
          Filter([](EventFilter& f) { f.add_bodies_of_water("Caribbean Sea"); }), at_sea);
  t.Match("bodies_of_water with its basin", Filter([](EventFilter& f) {
            f.add_maritime_basins("Atlantic Ocean");
            f.add_bodies_of_water("Gulf of Aden");
            f.add_bodies_of_water("Caribbean Sea");
          }),
          at_sea);
  t.Miss("bodies_of_water case differs",
         Filter([](EventFilter& f) { f.add_bodies_of_water("caribbean sea"); }), at_sea);
  t.Miss("bodies_of_water a region is no body of water",
         Filter([](EventFilter& f) { f.add_bodies_of_water("North Atlantic Ocean"); }), at_sea);
  t.Miss("bodies_of_water country event",
         Filter([](EventFilter& f) { f.add_bodies_of_water("Caribbean Sea"); }));
  t.Miss("bodies_of_water other basin", Filter([](EventFilter& f) {
           f.add_maritime_basins("Red Sea");
           f.add_bodies_of_water("Caribbean Sea");
         }),
         at_sea);
  t.Invalid("bodies_of_water empty", Filter([](EventFilter& f) { f.add_bodies_of_water(" "); }),
            "filter.bodies_of_water[0]", "required");
  t.Invalid("bodies_of_water too long",
            Filter([](EventFilter& f) { f.add_bodies_of_water(std::string(201, 'w')); }),
            "filter.bodies_of_water[0]", "200");

  // Every set field must match.
  const EventFilter every = Filter([](EventFilter& f) {
    f.add_country_codes("HTI");
    f.set_admin1("Ouest");
    f.add_event_types(v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
    f.add_sub_event_types(kAbduction);
    f.set_actor_id(kGang);
    f.mutable_date_range()->set_start_date("2024-03-01");
    f.mutable_date_range()->set_end_date("2024-03-31");
    f.set_min_fatalities(1);
    f.set_text("passengers");
    *f.mutable_bbox() = Box(18, 19, -73, -72).bbox();
    f.add_tags("kidnapping");
  });
  t.Match("every field matches", every);
  EventFilter all_but_one = every;
  all_but_one.set_min_fatalities(100);
  t.Miss("every field but one matches", all_but_one);
  return t.Take();
}

}  // namespace

const std::vector<std::string>& CaseActorIds() {
  static const auto* const ids = new std::vector<std::string>{kGang, kCivilians, kPolice};
  return *ids;
}

const std::vector<FilterCase>& FilterCases() {
  static const auto* const cases = new std::vector<FilterCase>(BuildCases());
  return *cases;
}

FilterCase WithActorIds(const FilterCase& c, const std::map<std::string, std::string>& ids) {
  FilterCase out = c;
  for (auto& participant : *out.event.mutable_participants()) {
    auto it = ids.find(participant.actor_id());
    if (it != ids.end()) participant.set_actor_id(it->second);
  }
  auto it = ids.find(out.filter.actor_id());
  if (it != ids.end()) out.filter.set_actor_id(it->second);
  return out;
}

}  // namespace lookout::event_filter::testing
