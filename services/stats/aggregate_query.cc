#include "services/stats/aggregate_query.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "event_filter/event_validation.h"
#include "services/stats/time_buckets.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::EventFilter;
using ::lookout::stats::v1::Dimension;

template <typename Repeated>
void SortUnique(Repeated* values) {
  std::sort(values->begin(), values->end());
  values->erase(std::unique(values->begin(), values->end()), values->end());
}

// "  Event_Count   DESC " -> "event_count desc".
std::string CanonicalOrderBy(absl::string_view order_by) {
  std::vector<std::string> words =
      absl::StrSplit(absl::AsciiStrToLower(order_by), ' ', absl::SkipWhitespace());
  return absl::StrJoin(words, " ");
}

absl::Status CheckDimension(absl::string_view field, int value) {
  if (!v1::Dimension_IsValid(value) || value == v1::DIMENSION_UNSPECIFIED) {
    return errors::InvalidField(
        field, absl::StrCat("must be one of DIMENSION_DAY, DIMENSION_WEEK, DIMENSION_MONTH, "
                            "DIMENSION_YEAR, DIMENSION_COUNTRY, DIMENSION_ADMIN1, "
                            "DIMENSION_EVENT_TYPE, DIMENSION_SUB_EVENT_TYPE, DIMENSION_ACTOR, "
                            "DIMENSION_MARITIME_BASIN, DIMENSION_BODY_OF_WATER, "
                            "DIMENSION_GDELT_QUAD_CLASS, DIMENSION_ACLED_DISORDER_TYPE, "
                            "DIMENSION_ACLED_INTERACTION, DIMENSION_UCDP_CONFLICT; got ",
                            value));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ParseLimit(int32_t limit) {
  if (limit < 0) {
    return errors::InvalidField("limit", absl::StrCat("must not be negative (0 means every row), "
                                                      "got ",
                                                      limit));
  }
  return std::min(limit, kMaxRows);
}

}  // namespace

EventFilter NormalizedFilter(const EventFilter& filter) {
  EventFilter normalized = filter;
  SortUnique(normalized.mutable_country_codes());
  SortUnique(normalized.mutable_event_types());
  SortUnique(normalized.mutable_sub_event_types());
  SortUnique(normalized.mutable_tags());
  SortUnique(normalized.mutable_maritime_basins());
  SortUnique(normalized.mutable_bodies_of_water());
  if (!event_filter::HasBoundingBox(normalized)) normalized.clear_bbox();
  if (normalized.date_range().start_date().empty() && normalized.date_range().end_date().empty()) {
    normalized.clear_date_range();
  }
  return normalized;
}

absl::StatusOr<AggregateQuery> ParseAggregateRequest(const v1::AggregateEventsRequest& request) {
  AggregateQuery query;
  LOOKOUT_RETURN_IF_ERROR(event_filter::ValidateFilter(request.filter(), "filter"));
  if (request.group_by_size() > 3) {
    return errors::InvalidField(
        "group_by", absl::StrCat("at most 3 dimensions, got ", request.group_by_size()));
  }
  bool has_time = false;
  for (int i = 0; i < request.group_by_size(); ++i) {
    const std::string field = absl::StrCat("group_by[", i, "]");
    LOOKOUT_RETURN_IF_ERROR(CheckDimension(field, request.group_by(i)));
    const Dimension dimension = request.group_by(i);
    if (std::find(query.dimensions.begin(), query.dimensions.end(), dimension) !=
        query.dimensions.end()) {
      return errors::InvalidField(
          field, absl::StrCat(v1::Dimension_Name(dimension), " appears twice (each at most once)"));
    }
    has_time = has_time || IsTimeDimension(dimension);
    query.dimensions.push_back(dimension);
  }

  const std::string order_by = CanonicalOrderBy(request.order_by());
  if (order_by.empty() || order_by == "keys asc") {
    query.order = RowOrder::kKeysAsc;
  } else if (order_by == "event_count desc") {
    query.order = RowOrder::kEventCountDesc;
  } else if (order_by == "fatalities desc") {
    query.order = RowOrder::kFatalitiesDesc;
  } else {
    return errors::InvalidField(
        "order_by", absl::StrCat("must be \"keys asc\" (the default), \"event_count desc\" or "
                                 "\"fatalities desc\", got \"",
                                 request.order_by().substr(0, 60), "\""));
  }
  LOOKOUT_ASSIGN_OR_RETURN(query.limit, ParseLimit(request.limit()));
  if (request.fill_gaps() && !has_time) {
    return errors::InvalidField("fill_gaps",
                                "needs a time dimension (DAY, WEEK, MONTH or YEAR) in group_by");
  }
  query.fill_gaps = request.fill_gaps();
  if (request.as_of_sequence() < 0) {
    return errors::InvalidField(
        "as_of_sequence", absl::StrCat("must not be negative, got ", request.as_of_sequence()));
  }
  query.min_sequence = request.as_of_sequence();

  v1::AggregateEventsRequest& normalized = query.normalized;
  *normalized.mutable_filter() = NormalizedFilter(request.filter());
  for (Dimension dimension : query.dimensions) normalized.add_group_by(dimension);
  normalized.set_order_by(query.order == RowOrder::kKeysAsc          ? "keys asc"
                          : query.order == RowOrder::kEventCountDesc ? "event_count desc"
                                                                     : "fatalities desc");
  normalized.set_limit(query.limit);
  normalized.set_fill_gaps(query.fill_gaps);
  return query;
}

absl::StatusOr<TrendsQuery> ParseTrendsRequest(const v1::GetTrendsRequest& request) {
  TrendsQuery query;
  LOOKOUT_RETURN_IF_ERROR(event_filter::ValidateFilter(request.filter(), "filter"));
  if (!request.filter().date_range().start_date().empty() ||
      !request.filter().date_range().end_date().empty()) {
    return errors::InvalidField("filter.date_range",
                                "must be empty: end_date and window_days set the windows");
  }
  query.filter = NormalizedFilter(request.filter());
  LOOKOUT_RETURN_IF_ERROR(validation::CheckDate("end_date", request.end_date(), true));
  if (request.window_days() < 1 || request.window_days() > kMaxWindowDays) {
    return errors::InvalidField(
        "window_days",
        absl::StrCat("must be between 1 and ", kMaxWindowDays, ", got ", request.window_days()));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckDimension("dimension", request.dimension()));
  if (IsTimeDimension(request.dimension())) {
    return errors::InvalidField(
        "dimension",
        "must be COUNTRY, ADMIN1, EVENT_TYPE, SUB_EVENT_TYPE, ACTOR, MARITIME_BASIN or "
        "BODY_OF_WATER (a time "
        "bucket falls in one window only, so it has no trend)");
  }
  query.dimension = request.dimension();
  LOOKOUT_ASSIGN_OR_RETURN(query.limit, ParseLimit(request.limit()));

  const int32_t end = *validation::ParseDate(request.end_date());
  query.current_last_day = end;
  query.current_first_day = end - request.window_days() + 1;
  query.previous_last_day = query.current_first_day - 1;
  query.previous_first_day = query.current_first_day - request.window_days();
  if (query.previous_first_day < kMinDay) {
    return errors::InvalidField(
        "window_days",
        "the previous window would start before 1900-01-01; use a shorter window "
        "or a later end_date");
  }
  return query;
}

}  // namespace lookout::stats
