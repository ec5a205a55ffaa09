#include "cli/app/report_renderer.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/app/enum_names.h"
#include "cli/app/output.h"

namespace lookout::cli {
namespace {

using ::lookout::gateway::v1::GetSituationReportResponse;

// U+2588 FULL BLOCK down to U+258F LEFT ONE EIGHTH BLOCK.
constexpr const char* kEighths[] = {"",
                                    "\xE2\x96\x8F",
                                    "\xE2\x96\x8E",
                                    "\xE2\x96\x8D",
                                    "\xE2\x96\x8C",
                                    "\xE2\x96\x8B",
                                    "\xE2\x96\x8A",
                                    "\xE2\x96\x89",
                                    "\xE2\x96\x88"};

std::string Heading(absl::string_view title) { return absl::StrCat("\n", title, "\n"); }

std::string PeriodText(const type::v1::DateRange& period) {
  const std::string from = period.start_date().empty() ? "the beginning" : period.start_date();
  const std::string to = period.end_date().empty() ? "today" : period.end_date();
  return absl::StrCat(from, " to ", to);
}

std::string TypeLabel(const event::v1::Event& event) {
  std::string label = ShortEnumName(event::v1::EventType_descriptor(), event.event_type());
  if (!event.sub_event_type().empty()) absl::StrAppend(&label, " / ", event.sub_event_type());
  return label;
}

}  // namespace

std::string AreaName(const type::v1::Location& location) {
  const type::v1::MaritimeArea& sea = location.maritime();
  if (sea.basin().empty()) return location.country_code();
  return sea.body_of_water().empty() ? sea.basin() : sea.body_of_water();
}

std::string PlaceText(const type::v1::Location& location) {
  std::vector<std::string> parts;
  if (!location.place().empty()) parts.push_back(location.place());
  const std::string& admin = location.maritime().basin().empty()
                                 ? location.admin1()
                                 : location.maritime().sub_basin();
  if (!admin.empty() && admin != location.place()) parts.push_back(admin);
  const std::string area = AreaName(location);
  if (area != location.place()) parts.push_back(area);
  return absl::StrJoin(parts, ", ");
}

namespace {

std::string CasualtiesText(const event::v1::Event& event) {
  std::vector<std::string> parts;
  for (const auto& casualty : event.casualties()) {
    std::string kind = ShortEnumName(event::v1::CasualtyKind_descriptor(), casualty.kind());
    for (char& c : kind) c = absl::ascii_tolower(c);
    parts.push_back(absl::StrCat(CountText(casualty.count()), " ", kind));
  }
  return absl::StrJoin(parts, ", ");
}

// The country code, or the sea's name ("Red Sea", "Caribbean Sea").
std::string ReportPlace(const GetSituationReportResponse& report) {
  if (!report.maritime_basin().empty()) return report.maritime_basin();
  if (!report.body_of_water().empty()) return report.body_of_water();
  return report.country_code();
}

void RenderTotals(const GetSituationReportResponse& report, std::string* out) {
  const std::string title =
      absl::StrCat("Situation report: ", ReportPlace(report), ", ", PeriodText(report.period()));
  absl::StrAppend(out, title, "\n", std::string(DisplayWidth(title), '='), "\n");
  absl::StrAppend(out, "Events: ", Thousands(report.event_count()),
                  "    Fatalities: ", Thousands(report.fatalities()));
  if (report.as_of_sequence() > 0) {
    absl::StrAppend(out, "    (data as of change ", report.as_of_sequence(), ")");
  }
  absl::StrAppend(out, "\n");
}

void RenderByType(const GetSituationReportResponse& report, std::string* out) {
  absl::StrAppend(out, Heading("By event type"));
  if (report.by_event_type().empty()) {
    absl::StrAppend(out, "  (no events)\n");
    return;
  }
  Table table({"TYPE", "EVENTS", "FATALITIES"});
  table.AlignRight({1, 2});
  for (const auto& row : report.by_event_type()) {
    table.AddRow({row.keys().empty() ? "" : row.keys(0), Thousands(row.event_count()),
                  Thousands(row.fatalities())});
  }
  std::ostringstream text;
  table.Print(text, "  ");
  absl::StrAppend(out, text.str());
}

void RenderByMonth(const GetSituationReportResponse& report, const ReportStyle& style,
                   std::string* out) {
  absl::StrAppend(out, Heading("Events and fatalities by month"));
  if (report.by_month().empty()) {
    absl::StrAppend(out, "  (no months in the period)\n");
    return;
  }
  int64_t max_events = 0, max_fatalities = 0;
  size_t number_width = 1;
  for (const auto& row : report.by_month()) {
    max_events = std::max(max_events, row.event_count());
    max_fatalities = std::max(max_fatalities, row.fatalities());
    number_width = std::max(
        {number_width, Thousands(row.event_count()).size(), Thousands(row.fatalities()).size()});
  }
  // "  2024-01  <events bar> 12  <fatalities bar> 3": two bars sharing what the width leaves.
  const int fixed =
      2 + 7 + 2 + 1 + static_cast<int>(number_width) + 2 + 1 + static_cast<int>(number_width);
  const int bars = std::max(10, style.width - fixed);
  const int events_width = bars / 2;
  const int fatalities_width = bars - events_width;
  absl::StrAppend(
      out, "  ", std::string(7, ' '), "  ",
      absl::StrFormat("%-*s", events_width + 1 + static_cast<int>(number_width), "events"),
      "  fatalities\n");
  for (const auto& row : report.by_month()) {
    const std::string events_bar = Bar(row.event_count(), max_events, events_width);
    const std::string fatalities_bar = Bar(row.fatalities(), max_fatalities, fatalities_width);
    const std::string key = row.keys().empty() ? "" : row.keys(0);
    absl::StrAppend(
        out, "  ", absl::StrFormat("%-7s", key), "  ", events_bar,
        std::string(events_width - DisplayWidth(events_bar), ' '), " ",
        absl::StrFormat("%*s", static_cast<int>(number_width), Thousands(row.event_count())), "  ",
        fatalities_bar, std::string(fatalities_width - DisplayWidth(fatalities_bar), ' '), " ",
        absl::StrFormat("%*s", static_cast<int>(number_width), Thousands(row.fatalities())));
    // No trailing spaces on the page.
    while (!out->empty() && out->back() == ' ') out->pop_back();
    absl::StrAppend(out, "\n");
  }
}

void RenderTopActors(const GetSituationReportResponse& report, std::string* out) {
  absl::StrAppend(out, Heading("Top actors"));
  if (report.top_actors().empty()) {
    absl::StrAppend(out, "  (none)\n");
    return;
  }
  // Most events first; ties by fatalities, then by name, so the page reads the same every time.
  std::vector<const gateway::v1::ActorActivity*> actors;
  for (const auto& activity : report.top_actors()) actors.push_back(&activity);
  std::stable_sort(actors.begin(), actors.end(), [](const auto* a, const auto* b) {
    if (a->event_count() != b->event_count()) return a->event_count() > b->event_count();
    if (a->fatalities() != b->fatalities()) return a->fatalities() > b->fatalities();
    return a->actor().name() < b->actor().name();
  });
  Table table({"ACTOR", "TYPE", "COUNTRY", "EVENTS", "FATALITIES"});
  table.AlignRight({3, 4});
  for (const auto* entry : actors) {
    const auto& activity = *entry;
    const auto& actor = activity.actor();
    table.AddRow({Ellipsize(actor.name().empty() ? actor.id() : actor.name(), 48),
                  ShortEnumName(actor::v1::ActorType_descriptor(), actor.type()),
                  actor.country_code(), Thousands(activity.event_count()),
                  Thousands(activity.fatalities())});
  }
  std::ostringstream text;
  table.Print(text, "  ");
  absl::StrAppend(out, text.str());
}

void RenderRecentEvents(const GetSituationReportResponse& report, const ReportStyle& style,
                        std::string* out) {
  absl::StrAppend(out, Heading("Recent events"));
  if (report.recent_events().empty()) {
    absl::StrAppend(out, "  (none)\n");
    return;
  }
  const std::string indent(14, ' ');
  const size_t text_width = static_cast<size_t>(std::max(20, style.width - 14));
  for (const auto& recent : report.recent_events()) {
    const auto& event = recent.event();
    std::string line = absl::StrCat("  ", absl::StrFormat("%-10s", event.event_date()), "  ",
                                    TypeLabel(event), " - ", PlaceText(event.location()));
    const std::string casualties = CasualtiesText(event);
    if (!casualties.empty()) absl::StrAppend(&line, " - ", casualties);
    absl::StrAppend(out, Ellipsize(line, static_cast<size_t>(style.width)), "\n");
    std::vector<std::string> who;
    for (int i = 0; i < event.participants_size(); ++i) {
      const std::string role =
          ShortEnumName(event::v1::ParticipantRole_descriptor(), event.participants(i).role());
      std::string name = event.participants(i).actor_id();
      for (const auto& actor : recent.actors()) {
        if (actor.id() == event.participants(i).actor_id()) name = actor.name();
      }
      who.push_back(absl::StrCat(name, " (", absl::AsciiStrToLower(role), ")"));
    }
    if (!who.empty()) {
      absl::StrAppend(out, indent, Ellipsize(absl::StrJoin(who, "; "), text_width), "\n");
    }
    if (!event.notes().empty()) {
      absl::StrAppend(out, indent, Ellipsize(event.notes(), text_width), "\n");
    }
  }
}

void RenderFigures(const GetSituationReportResponse& report, const ReportStyle& style,
                   std::string* out) {
  absl::StrAppend(out, Heading("Reported figures"));
  if (report.figures().empty()) {
    absl::StrAppend(out, "  (none reported for the period)\n");
    return;
  }
  for (const auto& summary : report.figures()) {
    absl::StrAppend(out, RenderMetricSummary(summary, style));
  }
}

}  // namespace

std::string Bar(int64_t value, int64_t max, int width) {
  if (value <= 0 || max <= 0 || width <= 0) return "";
  int64_t eighths = (value * width * 8 + max / 2) / max;
  eighths = std::max<int64_t>(eighths, 1);
  std::string bar;
  for (int64_t i = 0; i < eighths / 8; ++i) bar += kEighths[8];
  bar += kEighths[eighths % 8];
  return bar;
}

std::string RenderMetricSummary(const stats::v1::MetricSummary& summary, const ReportStyle& style) {
  std::string out;
  const size_t text_width = static_cast<size_t>(std::max(20, style.width - 6));
  absl::StrAppend(&out, "  ", ShortEnumName(stats::v1::Metric_descriptor(), summary.metric()), ", ",
                  summary.country_code().empty() ? "" : summary.country_code() + ", ",
                  PeriodText(summary.period()), "\n");
  const std::string range =
      summary.low() == summary.high()
          ? Thousands(summary.low())
          : absl::StrCat(Thousands(summary.low()), " to ", Thousands(summary.high()));
  absl::StrAppend(&out, "    range ", range, ", consensus ",
                  Thousands(static_cast<int64_t>(summary.consensus() + 0.5)), ", ",
                  summary.source_count(), summary.source_count() == 1 ? " source" : " sources");
  if (summary.has_computed_from_events()) {
    absl::StrAppend(&out, "; events add up to ", Thousands(summary.computed_from_events()));
  }
  absl::StrAppend(&out, "\n");
  for (const auto& observation : summary.observations()) {
    std::string line = absl::StrCat("    - ", CountText(observation.value()));
    const std::string unit = ShortEnumName(stats::v1::Unit_descriptor(), observation.unit());
    if (!unit.empty()) absl::StrAppend(&line, " ", absl::AsciiStrToLower(unit));
    if (!observation.source().name().empty()) {
      absl::StrAppend(&line, " according to ", observation.source().name());
    }
    if (!observation.source().published_date().empty()) {
      absl::StrAppend(&line, " (", observation.source().published_date(), ")");
    }
    absl::StrAppend(&out, Ellipsize(line, text_width + 6), "\n");
  }
  for (const std::string& note : summary.discrepancy_notes()) {
    absl::StrAppend(&out, "    ! ", Ellipsize(note, text_width), "\n");
  }
  return out;
}

std::string CountText(const type::v1::Count& count) {
  std::string text;
  switch (count.qualifier()) {
    case type::v1::QUALIFIER_AT_LEAST:
      text = "at least ";
      break;
    case type::v1::QUALIFIER_AT_MOST:
      text = "at most ";
      break;
    case type::v1::QUALIFIER_APPROXIMATELY:
      text = "about ";
      break;
    default:
      break;
  }
  absl::StrAppend(&text, Thousands(count.best()));
  if (count.has_low() || count.has_high()) {
    const int64_t low = count.has_low() ? count.low() : count.best();
    const int64_t high = count.has_high() ? count.high() : count.best();
    if (low != high) absl::StrAppend(&text, " (", Thousands(low), "-", Thousands(high), ")");
  }
  return text;
}

std::string RenderSituationReport(const GetSituationReportResponse& report,
                                  const ReportStyle& style) {
  std::string out;
  RenderTotals(report, &out);
  RenderByType(report, &out);
  RenderByMonth(report, style, &out);
  RenderTopActors(report, &out);
  RenderRecentEvents(report, style, &out);
  RenderFigures(report, style, &out);
  if (!report.warnings().empty()) {
    absl::StrAppend(&out, Heading("Warnings (parts of the report may be missing)"));
    for (const std::string& warning : report.warnings()) {
      absl::StrAppend(&out, "  ! ", warning, "\n");
    }
  }
  return out;
}

}  // namespace lookout::cli
