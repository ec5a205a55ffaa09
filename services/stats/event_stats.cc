#include "services/stats/event_stats.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "services/stats/aggregate_query.h"
#include "services/stats/aggregate_rows.h"
#include "services/stats/compiled_filter.h"
#include "services/stats/grouping.h"
#include "services/stats/saturating.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::EventFilter;
using ::lookout::stats::v1::AggregateEventsRequest;
using ::lookout::stats::v1::AggregateEventsResponse;
using ::lookout::stats::v1::GetTrendsRequest;
using ::lookout::stats::v1::GetTrendsResponse;

absl::flat_hash_set<uint32_t> SlotsOf(const EventColumns& columns,
                                      const std::vector<std::string>& ids) {
  absl::flat_hash_set<uint32_t> slots;
  slots.reserve(ids.size());
  for (const std::string& id : ids) {
    if (std::optional<uint32_t> slot = columns.SlotOf(id)) slots.insert(*slot);
  }
  return slots;
}

// One window's counts per key text.
struct TrendCounts {
  int64_t events = 0;
  int64_t fatalities = 0;
};

absl::flat_hash_map<std::string, TrendCounts> CountByKey(const EventColumns& columns,
                                                         const CompiledFilter& filter,
                                                         v1::Dimension dimension) {
  absl::flat_hash_map<std::string, TrendCounts> counts;
  const Grouping grouping = GroupEvents(columns, filter, {dimension});
  for (const Group& group : grouping.groups) {
    TrendCounts& entry = counts[KeyText(columns, dimension, group.codes[0])];
    entry.events += group.events;
    entry.fatalities = SaturatingAdd(entry.fatalities, group.fatalities);
  }
  return counts;
}

EventFilter WithDates(const EventFilter& filter, int32_t first_day, int32_t last_day) {
  EventFilter windowed = filter;
  windowed.mutable_date_range()->set_start_date(validation::FormatDate(first_day));
  windowed.mutable_date_range()->set_end_date(validation::FormatDate(last_day));
  return windowed;
}

}  // namespace

absl::Status EventStats::CheckCaughtUp() const {
  if (model_->caught_up()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "the read model is still catching up with the event service's change log (applied "
      "sequence ",
      model_->applied_sequence(), "); retry shortly"));
}

absl::Status EventStats::CheckChangeLog(const std::string& as_of_change_log_id) const {
  if (as_of_change_log_id.empty()) return absl::OkStatus();
  const std::string current = model_->change_log_id();
  if (as_of_change_log_id == current) return absl::OkStatus();
  return errors::ChangeLogReplaced(
      "as_of_change_log_id",
      absl::StrCat("the read model follows change log \"", current, "\", not \"",
                   as_of_change_log_id,
                   "\" (the event store was recreated or restored), so as_of_sequence means "
                   "another change"));
}

absl::Time EventStats::WaitDeadline(const grpc::ServerContext* serving) const {
  absl::Time deadline = absl::Now() + options_.max_sequence_wait;
  if (serving != nullptr) {
    // gRPC reports "no deadline" as a far-future time point, which FromChrono maps to infinity.
    deadline = std::min(deadline, absl::FromChrono(serving->deadline()));
  }
  return deadline;
}

absl::StatusOr<std::vector<std::string>> EventStats::TextIds(const EventFilter& filter,
                                                             const grpc::ServerContext* serving) {
  if (!DecidedByEventService(filter)) return std::vector<std::string>();
  if (text_search_ == nullptr) {
    return errors::DependencyUnavailable("full-text matching", "no event service is configured");
  }
  LOOKOUT_ASSIGN_OR_RETURN(TextMatches matches, text_search_->Match(filter, serving));
  // The event service may be ahead of the read model; catching up to the matches' own changes
  // makes both sides describe the same events. If that takes too long the answer is still
  // correct as of its as_of_sequence for every event the model has seen.
  model_->WaitForSequence(matches.max_sequence, WaitDeadline(serving)).IgnoreError();
  return std::move(matches.ids);
}

absl::StatusOr<AggregateEventsResponse> EventStats::Aggregate(const AggregateEventsRequest& request,
                                                              const grpc::ServerContext* serving) {
  LOOKOUT_ASSIGN_OR_RETURN(AggregateQuery query, ParseAggregateRequest(request));
  LOOKOUT_RETURN_IF_ERROR(CheckCaughtUp());
  LOOKOUT_RETURN_IF_ERROR(CheckChangeLog(request.as_of_change_log_id()));
  if (query.min_sequence > 0) {
    LOOKOUT_RETURN_IF_ERROR(model_->WaitForSequence(query.min_sequence, WaitDeadline(serving)));
  }
  const EventFilter& filter = query.normalized.filter();
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<std::string> text_ids, TextIds(filter, serving));

  // Answers to text filters also depend on the event service's index, which the sequence does
  // not describe; they are not cached.
  const bool cacheable = cache_ != nullptr && cache_->enabled() && !DecidedByEventService(filter);
  std::string digest;
  if (cacheable) {
    digest = AggregateCache::RequestDigest(query.normalized);
    if (auto hit = cache_->Get(digest, model_->position())) return *std::move(hit);
  }

  struct Computed {
    Grouping grouping;
    std::vector<KeyedRow> rows;
    GapRange range;
    LogPosition position;
  };
  Computed computed = model_->ReadAt([&](const EventColumns& columns, LogPosition position) {
    absl::flat_hash_set<uint32_t> text_slots = SlotsOf(columns, text_ids);
    CompiledFilter compiled(filter, columns, &text_slots);
    Computed out;
    out.grouping = GroupEvents(columns, compiled, query.dimensions);
    out.rows = KeyRows(columns, out.grouping, query.dimensions);
    out.range = GapRange{compiled.has_first_day(), compiled.has_last_day(), compiled.first_day(),
                         compiled.last_day()};
    out.position = std::move(position);
    return out;
  });
  if (computed.grouping.too_many_groups) {
    return absl::ResourceExhaustedError(
        "group_by: these dimensions have too many possible keys to group together; group by "
        "fewer dimensions or narrow the filter");
  }
  if (query.fill_gaps) {
    LOOKOUT_RETURN_IF_ERROR(
        FillGaps(query.dimensions, computed.range, computed.grouping, query.limit, &computed.rows));
  }
  LOOKOUT_RETURN_IF_ERROR(OrderAndLimit(query.order, query.limit, &computed.rows));

  AggregateEventsResponse response;
  response.mutable_rows()->Reserve(static_cast<int>(computed.rows.size()));
  for (KeyedRow& row : computed.rows) {
    v1::AggregateRow* out = response.add_rows();
    for (size_t i = 0; i < query.dimensions.size(); ++i) out->add_keys(std::move(row.keys[i]));
    out->set_event_count(row.events);
    out->set_fatalities(row.fatalities);
  }
  response.set_total_events(computed.grouping.total_events);
  response.set_total_fatalities(computed.grouping.total_fatalities);
  response.set_as_of_sequence(computed.position.sequence);
  response.set_as_of_change_log_id(computed.position.change_log_id);
  if (cacheable) cache_->Put(digest, response);
  return response;
}

absl::StatusOr<GetTrendsResponse> EventStats::Trends(const GetTrendsRequest& request,
                                                     const grpc::ServerContext* serving) {
  LOOKOUT_ASSIGN_OR_RETURN(TrendsQuery query, ParseTrendsRequest(request));
  LOOKOUT_RETURN_IF_ERROR(CheckCaughtUp());
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<std::string> text_ids, TextIds(query.filter, serving));
  const EventFilter current_filter =
      WithDates(query.filter, query.current_first_day, query.current_last_day);
  const EventFilter previous_filter =
      WithDates(query.filter, query.previous_first_day, query.previous_last_day);

  struct Windows {
    absl::flat_hash_map<std::string, TrendCounts> current, previous;
    LogPosition position;
  };
  // Both windows from one snapshot, so they describe the same state of the log.
  Windows windows = model_->ReadAt([&](const EventColumns& columns, LogPosition position) {
    absl::flat_hash_set<uint32_t> text_slots = SlotsOf(columns, text_ids);
    Windows out;
    out.current =
        CountByKey(columns, CompiledFilter(current_filter, columns, &text_slots), query.dimension);
    out.previous =
        CountByKey(columns, CompiledFilter(previous_filter, columns, &text_slots), query.dimension);
    out.position = std::move(position);
    return out;
  });

  std::vector<v1::TrendRow> rows;
  auto row_for = [&](const std::string& key) {
    v1::TrendRow row;
    row.set_key(key);
    auto current = windows.current.find(key);
    if (current != windows.current.end()) {
      row.set_current_events(current->second.events);
      row.set_current_fatalities(current->second.fatalities);
    }
    auto previous = windows.previous.find(key);
    if (previous != windows.previous.end()) {
      row.set_previous_events(previous->second.events);
      row.set_previous_fatalities(previous->second.fatalities);
    }
    // A key absent before has no base to divide by: its ratio is its current count.
    row.set_change_ratio(row.previous_events() == 0
                             ? static_cast<double>(row.current_events())
                             : static_cast<double>(row.current_events() - row.previous_events()) /
                                   static_cast<double>(row.previous_events()));
    return row;
  };
  for (const auto& [key, counts] : windows.current) rows.push_back(row_for(key));
  for (const auto& [key, counts] : windows.previous) {
    if (!windows.current.contains(key)) rows.push_back(row_for(key));
  }
  if (query.limit == 0 && rows.size() > static_cast<size_t>(kMaxRows)) {
    return TooManyRows(rows.size());
  }
  // Largest change first; ties by the larger absolute change, then the key.
  std::sort(rows.begin(), rows.end(), [](const v1::TrendRow& a, const v1::TrendRow& b) {
    if (a.change_ratio() != b.change_ratio()) return a.change_ratio() > b.change_ratio();
    const int64_t da = a.current_events() - a.previous_events();
    const int64_t db = b.current_events() - b.previous_events();
    if (da != db) return da > db;
    return a.key() < b.key();
  });
  if (query.limit > 0 && rows.size() > static_cast<size_t>(query.limit)) rows.resize(query.limit);

  GetTrendsResponse response;
  for (v1::TrendRow& row : rows) *response.add_rows() = std::move(row);
  *response.mutable_current_period() = current_filter.date_range();
  *response.mutable_previous_period() = previous_filter.date_range();
  response.set_as_of_sequence(windows.position.sequence);
  response.set_as_of_change_log_id(windows.position.change_log_id);
  return response;
}

absl::StatusOr<int64_t> EventStats::SumCasualties(const std::string& country_code,
                                                  const lookout::type::v1::DateRange& period,
                                                  lookout::event::v1::CasualtyKind kind) {
  LOOKOUT_RETURN_IF_ERROR(CheckCaughtUp());
  EventFilter filter;
  filter.add_country_codes(country_code);
  *filter.mutable_date_range() = period;
  return model_->Read([&](const EventColumns& columns, int64_t) {
    return stats::SumCasualties(columns, CompiledFilter(filter, columns), kind);
  });
}

}  // namespace lookout::stats
