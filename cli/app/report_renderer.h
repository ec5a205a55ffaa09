// The situation report as a page for the terminal: totals, a table by event type, a bar chart
// of events and fatalities by month drawn with block characters, top actors, recent events,
// reported figures with their ranges and sources, and warnings. A pure function of the
// gateway's answer, so its text can be tested without a server.
#ifndef LOOKOUT_CLI_APP_REPORT_RENDERER_H_
#define LOOKOUT_CLI_APP_REPORT_RENDERER_H_

#include <string>

#include "lookout/gateway/v1/gateway_service.pb.h"

namespace lookout::cli {

struct ReportStyle {
  // Widest line, in characters.
  int width = 100;
};

std::string RenderSituationReport(const lookout::gateway::v1::GetSituationReportResponse& report,
                                  const ReportStyle& style = {});

// One metric's reconciled figures: range, consensus, each source's value, discrepancies.
std::string RenderMetricSummary(const lookout::stats::v1::MetricSummary& summary,
                                const ReportStyle& style = {});

// "at least 105,000" / "about 3" / "1,100" for a count and its qualifier, with the range when
// one is given ("12 (10-15)").
std::string CountText(const lookout::type::v1::Count& count);

// Where an event is, for a person: the country code, or for an event at sea the body of water
// ("Caribbean Sea"), else the basin ("Red Sea").
std::string AreaName(const lookout::type::v1::Location& location);
// "Cité Soleil, Ouest, HTI"; at sea "Windward Passage (centroid), Windward Passage, Caribbean
// Sea" (place, sub-basin, AreaName), each part once.
std::string PlaceText(const lookout::type::v1::Location& location);

// A bar of `value / max * width` cells drawn with eighth blocks (at least a sliver when > 0).
std::string Bar(int64_t value, int64_t max, int width);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_REPORT_RENDERER_H_
