#include "services/stats/grouping.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "services/stats/saturating.h"
#include "services/stats/time_buckets.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Dimension;

// Small key spaces are counted in a flat array (no hashing); larger ones in a hash map.
constexpr double kMaxDenseCells = 1 << 16;
constexpr double kMaxKeySpace = 9.2e18;  // below 2^63: group indexes are uint64

struct Axis {
  Dimension dimension;
  bool time;
  int32_t low;      // smallest code
  int64_t size;     // codes low .. low + size - 1
  uint64_t stride;  // row-major position weight in the group index
};

struct Cell {
  int64_t events = 0;
  int64_t fatalities = 0;
};

// Adds each block slot's code on one axis, times the axis stride, to its group index. One
// tight loop per axis and block.
void AddAxis(const EventColumns& columns, const Axis& axis, const uint32_t* slots,
             const int32_t* days, size_t n, uint64_t* index) {
  const uint64_t stride = axis.stride;
  const int32_t low = axis.low;
  auto add = [&](auto code_of) {
    for (size_t i = 0; i < n; ++i) index[i] += static_cast<uint64_t>(code_of(i) - low) * stride;
  };
  switch (axis.dimension) {
    case v1::DIMENSION_DAY:
      add([&](size_t i) { return days[i]; });
      break;
    case v1::DIMENSION_WEEK:
      add([&](size_t i) { return WeekIndex(days[i]); });
      break;
    case v1::DIMENSION_MONTH:
    case v1::DIMENSION_YEAR: {
      const int32_t* table = TimeBucketTable(axis.dimension);
      add([&](size_t i) { return table[days[i] - kMinDay]; });
      break;
    }
    case v1::DIMENSION_COUNTRY: {
      const uint16_t* column = columns.country_column();
      add([&](size_t i) { return static_cast<int32_t>(column[slots[i]]); });
      break;
    }
    case v1::DIMENSION_ADMIN1: {
      const uint16_t* column = columns.admin1_column();
      add([&](size_t i) {
        const uint16_t code = column[slots[i]];
        return static_cast<int32_t>(code != EventColumns::kWideCode ? code
                                                                    : columns.admin1(slots[i]));
      });
      break;
    }
    case v1::DIMENSION_MARITIME_BASIN:
      add([&](size_t i) { return static_cast<int32_t>(columns.basin(slots[i])); });
      break;
    case v1::DIMENSION_BODY_OF_WATER:
      add([&](size_t i) { return static_cast<int32_t>(columns.body_of_water(slots[i])); });
      break;
    case v1::DIMENSION_GDELT_QUAD_CLASS:
    case v1::DIMENSION_ACLED_DISORDER_TYPE:
    case v1::DIMENSION_ACLED_INTERACTION:
    case v1::DIMENSION_UCDP_CONFLICT:
      // Side-map lookups, cheap for the events without attributes (a flag test).
      add([&](size_t i) { return AttributeCode(columns, slots[i], axis.dimension); });
      break;
    case v1::DIMENSION_EVENT_TYPE: {
      const uint8_t* column = columns.event_type_column();
      add([&](size_t i) { return static_cast<int32_t>(column[slots[i]]); });
      break;
    }
    case v1::DIMENSION_SUB_EVENT_TYPE: {
      const uint8_t* column = columns.sub_event_type_column();
      add([&](size_t i) {
        const uint8_t code = column[slots[i]];
        return static_cast<int32_t>(code != EventColumns::kWideByte
                                        ? code
                                        : columns.sub_event_type(slots[i]));
      });
      break;
    }
    default:
      break;
  }
}

// Whether a one-dimension grouping (or none) can take its counts from period summaries.
bool SummarizedDimension(Dimension dimension) {
  switch (dimension) {
    case v1::DIMENSION_DAY:
    case v1::DIMENSION_WEEK:
    case v1::DIMENSION_MONTH:
    case v1::DIMENSION_YEAR:
    case v1::DIMENSION_COUNTRY:
    case v1::DIMENSION_EVENT_TYPE:
    case v1::DIMENSION_ACTOR:
      return true;
    default:
      return false;
  }
}

// When the filter asks for countries and a date range only: visits each matching country's
// periods that lie wholly inside the range as on_summary(summary, country, period's first day)
// (every event of such a period matches), and the matching events of the periods at the
// range's edges (of a period before the range, its multi-day events only) and of the long
// events as on_block(slots, n); returns true. False, having visited nothing, for any other
// filter.
template <typename OnSummary, typename OnBlock>
bool ForEachSummaryOrBlock(const EventColumns& columns, const CompiledFilter& filter,
                           OnSummary&& on_summary, OnBlock&& on_block) {
  const std::vector<uint8_t>* countries = filter.countries_only();
  if (countries == nullptr) return false;
  const int32_t walk_first = filter.has_first_day() ? filter.first_day() : INT32_MIN / 2;
  const int32_t walk_last = filter.has_last_day() ? filter.last_day() : INT32_MAX / 2;
  for (uint32_t code = 0; code < countries->size(); ++code) {
    if (!(*countries)[code]) continue;
    columns.ForEachCountryPeriod(
        code, walk_first, walk_last, [&](int32_t period, const std::vector<uint32_t>& list) {
          // A short event starts in its period and ends fewer than kPeriodDays days later, so
          // when the whole period lies inside the range every one of its events overlaps it.
          const int64_t first = static_cast<int64_t>(period) * EventColumns::kPeriodDays;
          const int64_t last = first + EventColumns::kPeriodDays - 1;
          if (first >= walk_first && last <= walk_last) {
            on_summary(*columns.PeriodSummaryOf(code, period), code,
                       static_cast<int32_t>(first));
          } else if (last < walk_first) {
            // Wholly before the range: only an event spanning several days can run into it.
            filter.ForEachBlockIn(columns.PeriodSummaryOf(code, period)->multi_day_slots,
                                  on_block);
          } else {
            filter.ForEachBlockIn(list, on_block);
          }
        });
    filter.ForEachBlockIn(columns.country_long_events(code), on_block);
  }
  return true;
}

}  // namespace

int32_t AttributeCode(const EventColumns& columns, uint32_t slot, Dimension dimension) {
  switch (dimension) {
    case v1::DIMENSION_COUNTRY:
      return static_cast<int32_t>(columns.country(slot));
    case v1::DIMENSION_ADMIN1:
      return static_cast<int32_t>(columns.admin1(slot));
    case v1::DIMENSION_MARITIME_BASIN:
      return static_cast<int32_t>(columns.basin(slot));
    case v1::DIMENSION_BODY_OF_WATER:
      return static_cast<int32_t>(columns.body_of_water(slot));
    case v1::DIMENSION_GDELT_QUAD_CLASS:
      return static_cast<int32_t>(columns.gdelt_quad_class(slot));
    case v1::DIMENSION_ACLED_DISORDER_TYPE:
      return static_cast<int32_t>(columns.acled_disorder_type(slot));
    case v1::DIMENSION_ACLED_INTERACTION:
      return static_cast<int32_t>(columns.acled_interaction(slot));
    case v1::DIMENSION_UCDP_CONFLICT:
      return static_cast<int32_t>(columns.ucdp_conflict(slot));
    case v1::DIMENSION_EVENT_TYPE:
      return static_cast<int32_t>(columns.event_type(slot));
    case v1::DIMENSION_SUB_EVENT_TYPE:
      return static_cast<int32_t>(columns.sub_event_type(slot));
    default:
      return 0;
  }
}

Grouping GroupEvents(const EventColumns& columns, const CompiledFilter& filter,
                     const std::vector<Dimension>& dimensions) {
  Grouping out;
  if (columns.min_start_day() > columns.max_start_day()) return out;  // never held an event
  // Bucket days lie in [first_bucket_day, last_bucket_day] (see the header's rule).
  const int32_t first_day = filter.first_day();
  const int32_t first_bucket_day = std::max(columns.min_start_day(), first_day);
  const int32_t last_bucket_day =
      std::max(first_bucket_day, std::min(columns.max_start_day(), filter.last_day()));

  std::vector<Axis> axes;
  int actor_axis = -1;
  double key_space = 1;
  for (Dimension dimension : dimensions) {
    Axis axis{dimension, IsTimeDimension(dimension), 0, 1, 0};
    if (axis.time) {
      axis.low = TimeBucket(dimension, first_bucket_day);
      axis.size = TimeBucket(dimension, last_bucket_day) - axis.low + 1;
    } else {
      switch (dimension) {
        case v1::DIMENSION_COUNTRY:
          axis.size = columns.countries().size();
          break;
        case v1::DIMENSION_ADMIN1:
          axis.size = columns.admin1s().size();
          break;
        case v1::DIMENSION_MARITIME_BASIN:
          axis.size = columns.basins().size();
          break;
        case v1::DIMENSION_BODY_OF_WATER:
          axis.size = columns.bodies_of_water().size();
          break;
        case v1::DIMENSION_GDELT_QUAD_CLASS:
          axis.size = columns.gdelt_quad_classes().size();
          break;
        case v1::DIMENSION_ACLED_DISORDER_TYPE:
          axis.size = columns.acled_disorder_types().size();
          break;
        case v1::DIMENSION_ACLED_INTERACTION:
          axis.size = columns.acled_interactions().size();
          break;
        case v1::DIMENSION_UCDP_CONFLICT:
          axis.size = columns.ucdp_conflicts().size();
          break;
        case v1::DIMENSION_EVENT_TYPE:
          axis.size = UINT8_MAX + 1;
          break;
        case v1::DIMENSION_SUB_EVENT_TYPE:
          axis.size = columns.sub_event_types().size();
          break;
        case v1::DIMENSION_ACTOR:
          axis.size = columns.actors().size();
          actor_axis = static_cast<int>(axes.size());
          break;
        default:
          break;
      }
    }
    axis.size = std::max<int64_t>(axis.size, 1);
    key_space *= static_cast<double>(axis.size);
    axes.push_back(axis);
  }
  if (key_space > kMaxKeySpace) {
    out.too_many_groups = true;
    return out;
  }
  uint64_t stride = 1;
  for (size_t i = axes.size(); i-- > 0;) {
    axes[i].stride = stride;
    stride *= static_cast<uint64_t>(axes[i].size);
  }
  const bool any_time = std::any_of(axes.begin(), axes.end(), [](const Axis& a) { return a.time; });
  const int32_t* start_days = columns.start_day_column();
  const uint16_t* fatality_column = columns.fatalities_column();

  // Visits the matching events a block at a time: fatalities, bucket days and each axis's
  // share of the group index are tight loops over the block, with running totals in locals so
  // the compiler keeps them in registers. `add_block(index, fatalities, n)` counts a block.
  // A question about countries and a date range, by at most one dimension that summaries keep,
  // takes the periods wholly inside the range from their summaries (period_summary.h).
  const bool summarize =
      dimensions.size() <= 1 && (dimensions.empty() || SummarizedDimension(dimensions[0]));
  // `add_cell(index, events, fatalities)` adds a summary's cell to a group.
  auto scan = [&](auto&& add_block, auto&& add_cell) {
    int64_t fatalities[CompiledFilter::kBlock];
    int32_t days[CompiledFilter::kBlock];
    uint64_t index[CompiledFilter::kBlock];
    // The actor axis expands each event into one entry per actor.
    std::vector<uint64_t> actor_index;
    std::vector<int64_t> actor_fatalities;
    int64_t total_events = 0, total_fatalities = 0;
    int32_t min_day = INT32_MAX, max_day = INT32_MIN;
    auto on_block = [&](const uint32_t* slots, size_t n) {
      total_events += static_cast<int64_t>(n);
      int64_t block_fatalities = 0;
      for (size_t i = 0; i < n; ++i) {
        const uint16_t f = fatality_column[slots[i]];
        fatalities[i] = f != EventColumns::kWideCount ? f : columns.fatalities(slots[i]);
        block_fatalities = SaturatingAdd(block_fatalities, fatalities[i]);
      }
      total_fatalities = SaturatingAdd(total_fatalities, block_fatalities);
      if (any_time) {
        for (size_t i = 0; i < n; ++i) days[i] = std::max(start_days[slots[i]], first_day);
        for (size_t i = 0; i < n; ++i) {
          min_day = std::min(min_day, days[i]);
          max_day = std::max(max_day, days[i]);
        }
      }
      std::fill_n(index, n, 0);
      for (size_t a = 0; a < axes.size(); ++a) {
        if (static_cast<int>(a) != actor_axis) AddAxis(columns, axes[a], slots, days, n, index);
      }
      if (actor_axis < 0) {
        add_block(index, fatalities, n);
        return;
      }
      // The inline actors fill arrays sized for them; only a fourth actor and beyond (rare)
      // grows them.
      const uint64_t actor_stride = axes[actor_axis].stride;
      actor_index.resize(n * EventColumns::kInlineActors);
      actor_fatalities.resize(n * EventColumns::kInlineActors);
      size_t m = 0;
      for (size_t i = 0; i < n; ++i) {
        for (int k = 0; k < EventColumns::kInlineActors; ++k) {
          const uint32_t actor = columns.inline_actor(slots[i], k);
          if (actor == EventColumns::kNoActor) break;
          actor_index[m] = index[i] + static_cast<uint64_t>(actor) * actor_stride;
          actor_fatalities[m] = fatalities[i];
          ++m;
        }
      }
      for (size_t i = 0; i < n; ++i) {
        if (!columns.has_more_actors(slots[i])) continue;
        for (uint32_t actor : columns.more_actors(slots[i])) {
          actor_index.resize(std::max(actor_index.size(), m + 1));
          actor_fatalities.resize(actor_index.size());
          actor_index[m] = index[i] + static_cast<uint64_t>(actor) * actor_stride;
          actor_fatalities[m] = fatalities[i];
          ++m;
        }
      }
      add_block(actor_index.data(), actor_fatalities.data(), m);
    };
    auto on_summary = [&](const PeriodSummary& summary, uint32_t country, int32_t period_day) {
      total_events += summary.events;
      total_fatalities = SaturatingAdd(total_fatalities, summary.fatalities);
      if (any_time) {
        min_day = std::min(min_day, summary.min_start_day);
        max_day = std::max(max_day, summary.max_start_day);
      }
      if (axes.empty()) {
        add_cell(0, summary.events, summary.fatalities);
        return;
      }
      const Axis& axis = axes[0];
      auto add_cells = [&](const std::vector<PeriodSummary::Cell>& cells, auto bucket_of) {
        for (const PeriodSummary::Cell& cell : cells) {
          add_cell(static_cast<uint64_t>(bucket_of(cell.code) - axis.low) * axis.stride,
                   cell.events, cell.fatalities);
        }
      };
      switch (axis.dimension) {
        case v1::DIMENSION_DAY:
          add_cells(summary.by_day, [&](uint32_t offset) { return period_day + offset; });
          break;
        case v1::DIMENSION_WEEK:
          add_cells(summary.by_day,
                    [&](uint32_t offset) { return WeekIndex(period_day + offset); });
          break;
        case v1::DIMENSION_MONTH:
        case v1::DIMENSION_YEAR: {
          const int32_t* table = TimeBucketTable(axis.dimension);
          add_cells(summary.by_day,
                    [&](uint32_t offset) { return table[period_day + offset - kMinDay]; });
          break;
        }
        case v1::DIMENSION_COUNTRY:
          add_cell(static_cast<uint64_t>(static_cast<int32_t>(country) - axis.low) * axis.stride,
                   summary.events, summary.fatalities);
          break;
        case v1::DIMENSION_EVENT_TYPE:
          add_cells(summary.by_event_type,
                    [](uint32_t code) { return static_cast<int32_t>(code); });
          break;
        case v1::DIMENSION_ACTOR:
          add_cells(summary.by_actor, [](uint32_t code) { return static_cast<int32_t>(code); });
          break;
        default:
          break;
      }
    };
    if (!summarize || !ForEachSummaryOrBlock(columns, filter, on_summary, on_block)) {
      filter.ForEachBlock(on_block);
    }
    out.total_events = total_events;
    out.total_fatalities = total_fatalities;
    out.min_bucket_day = min_day;
    out.max_bucket_day = max_day;
  };
  auto emit = [&](uint64_t index, const Cell& cell) {
    Group group;
    for (size_t a = 0; a < axes.size(); ++a) {
      group.codes[a] = static_cast<int32_t>(
          axes[a].low +
          static_cast<int64_t>((index / axes[a].stride) % static_cast<uint64_t>(axes[a].size)));
    }
    group.events = cell.events;
    group.fatalities = cell.fatalities;
    out.groups.push_back(group);
  };

  if (key_space <= kMaxDenseCells) {
    std::vector<Cell> dense(static_cast<size_t>(key_space));
    Cell* cells = dense.data();
    scan(
        [cells](const uint64_t* index, const int64_t* fatalities, size_t n) {
          for (size_t i = 0; i < n; ++i) {
            Cell& cell = cells[index[i]];
            ++cell.events;
            cell.fatalities = SaturatingAdd(cell.fatalities, fatalities[i]);
          }
        },
        [cells](uint64_t index, int64_t events, int64_t fatalities) {
          Cell& cell = cells[index];
          cell.events += events;
          cell.fatalities = SaturatingAdd(cell.fatalities, fatalities);
        });
    for (size_t index = 0; index < dense.size(); ++index) {
      if (dense[index].events > 0) emit(index, dense[index]);
    }
  } else {
    absl::flat_hash_map<uint64_t, Cell> sparse;
    scan(
        [&sparse](const uint64_t* index, const int64_t* fatalities, size_t n) {
          for (size_t i = 0; i < n; ++i) {
            Cell& cell = sparse[index[i]];
            ++cell.events;
            cell.fatalities = SaturatingAdd(cell.fatalities, fatalities[i]);
          }
        },
        [&sparse](uint64_t index, int64_t events, int64_t fatalities) {
          Cell& cell = sparse[index];
          cell.events += events;
          cell.fatalities = SaturatingAdd(cell.fatalities, fatalities);
        });
    out.groups.reserve(sparse.size());
    for (const auto& [index, cell] : sparse) emit(index, cell);
  }
  return out;
}

int64_t SumCasualties(const EventColumns& columns, const CompiledFilter& filter,
                      lookout::event::v1::CasualtyKind kind) {
  int64_t sum = 0;
  auto on_block = [&](const uint32_t* slots, size_t n) {
    for (size_t i = 0; i < n; ++i) sum = SaturatingAdd(sum, columns.casualties(slots[i], kind));
  };
  auto on_summary = [&](const PeriodSummary& summary, uint32_t, int32_t) {
    sum = SaturatingAdd(sum, kind == lookout::event::v1::CASUALTY_KIND_KILLED    ? summary.fatalities
                             : kind == lookout::event::v1::CASUALTY_KIND_INJURED ? summary.injured
                                                                                 : summary.kidnapped);
  };
  const bool summarized = kind == lookout::event::v1::CASUALTY_KIND_KILLED ||
                          kind == lookout::event::v1::CASUALTY_KIND_INJURED ||
                          kind == lookout::event::v1::CASUALTY_KIND_KIDNAPPED;
  if (!summarized || !ForEachSummaryOrBlock(columns, filter, on_summary, on_block)) {
    filter.ForEachBlock(on_block);
  }
  return sum;
}

}  // namespace lookout::stats
