#include "services/stats/aggregate_rows.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/stats/time_buckets.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Dimension;

std::string JoinKeys(const std::array<std::string, kMaxDimensions>& keys) {
  return absl::StrJoin(keys, "\x1f");
}

}  // namespace

std::string KeyText(const EventColumns& columns, Dimension dimension, int32_t code) {
  if (IsTimeDimension(dimension)) return TimeBucketKey(dimension, code);
  switch (dimension) {
    case v1::DIMENSION_COUNTRY:
      return columns.countries().Value(code);
    case v1::DIMENSION_ADMIN1:
      return columns.admin1s().Value(code);
    case v1::DIMENSION_MARITIME_BASIN:
      return columns.basins().Value(code);
    case v1::DIMENSION_BODY_OF_WATER:
      return columns.bodies_of_water().Value(code);
    case v1::DIMENSION_GDELT_QUAD_CLASS:
      return columns.gdelt_quad_classes().Value(code);
    case v1::DIMENSION_ACLED_DISORDER_TYPE:
      return columns.acled_disorder_types().Value(code);
    case v1::DIMENSION_ACLED_INTERACTION:
      return columns.acled_interactions().Value(code);
    case v1::DIMENSION_UCDP_CONFLICT:
      return columns.ucdp_conflicts().Value(code);
    case v1::DIMENSION_EVENT_TYPE: {
      const auto type = static_cast<event::v1::EventType>(code);
      if (!event::v1::EventType_IsValid(code)) return absl::StrCat(code);
      std::string name = event::v1::EventType_Name(type);
      return absl::StartsWith(name, "EVENT_TYPE_") ? name.substr(11) : name;
    }
    case v1::DIMENSION_SUB_EVENT_TYPE:
      return columns.sub_event_types().Value(code);
    case v1::DIMENSION_ACTOR:
      return columns.actors().Value(code);
    default:
      return "";
  }
}

std::vector<KeyedRow> KeyRows(const EventColumns& columns, const Grouping& grouping,
                              const std::vector<Dimension>& dimensions) {
  std::vector<KeyedRow> rows;
  rows.reserve(grouping.groups.size());
  for (const Group& group : grouping.groups) {
    KeyedRow row;
    for (size_t i = 0; i < dimensions.size(); ++i) {
      row.keys[i] = KeyText(columns, dimensions[i], group.codes[i]);
    }
    row.events = group.events;
    row.fatalities = group.fatalities;
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::Status TooManyRows(size_t rows) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "the answer has ", rows, " rows, more than the ", kMaxRows,
      " one response may carry; set limit, group by fewer or coarser dimensions, or narrow the "
      "filter"));
}

absl::Status FillGaps(const std::vector<Dimension>& dimensions, const GapRange& range,
                      const Grouping& grouping, int limit, std::vector<KeyedRow>* rows) {
  const bool matched = grouping.min_bucket_day <= grouping.max_bucket_day;
  if ((!range.has_first_day || !range.has_last_day) && !matched) return absl::OkStatus();
  const int32_t first = range.has_first_day ? range.first_day : grouping.min_bucket_day;
  const int32_t last = range.has_last_day ? range.last_day : grouping.max_bucket_day;

  std::vector<size_t> time_axes, other_axes;
  for (size_t i = 0; i < dimensions.size(); ++i) {
    (IsTimeDimension(dimensions[i]) ? time_axes : other_axes).push_back(i);
  }
  // Every time dimension grows with the day, so consecutive days with equal buckets are one
  // combination and a new combination starts exactly where any bucket changes.
  std::vector<std::vector<int32_t>> time_combinations;
  std::vector<int32_t> current(time_axes.size());
  for (int32_t day = first; day <= last; ++day) {
    for (size_t t = 0; t < time_axes.size(); ++t) {
      current[t] = TimeBucket(dimensions[time_axes[t]], day);
    }
    if (time_combinations.empty() || time_combinations.back() != current) {
      time_combinations.push_back(current);
    }
  }
  // The other dimensions' key combinations that have rows (one empty one when there are none).
  std::vector<std::array<std::string, kMaxDimensions>> others;
  if (other_axes.empty()) {
    others.emplace_back();
  } else {
    absl::flat_hash_set<std::string> seen;
    for (const KeyedRow& row : *rows) {
      std::array<std::string, kMaxDimensions> keys;
      for (size_t i : other_axes) keys[i] = row.keys[i];
      if (seen.insert(JoinKeys(keys)).second) others.push_back(std::move(keys));
    }
  }
  const size_t total = time_combinations.size() * others.size();
  if (limit == 0 && total > static_cast<size_t>(kMaxRows)) return TooManyRows(total);

  absl::flat_hash_set<std::string> present;
  for (const KeyedRow& row : *rows) present.insert(JoinKeys(row.keys));
  auto gap_row = [&](size_t other, size_t time) {
    KeyedRow row;
    row.keys = others[other];
    for (size_t t = 0; t < time_axes.size(); ++t) {
      row.keys[time_axes[t]] = TimeBucketKey(dimensions[time_axes[t]], time_combinations[time][t]);
    }
    return row;
  };
  if (limit == 0) {
    for (size_t other = 0; other < others.size(); ++other) {
      for (size_t time = 0; time < time_combinations.size(); ++time) {
        KeyedRow row = gap_row(other, time);
        if (!present.contains(JoinKeys(row.keys))) rows->push_back(std::move(row));
      }
    }
    return absl::OkStatus();
  }

  // With a limit, only the `limit` smallest gap rows by keys can make the answer, whatever the
  // order: "keys asc" sorts by keys, and the count orders put zero rows after every row with a
  // count, ties by keys. Each other-key combination's gap rows come in key order already (time
  // keys sort as their buckets do), so merging those sequences yields the gap rows smallest
  // first; the rest are never built, and the answer's rows stay within kMaxRows.
  struct Cursor {
    KeyedRow row;
    size_t other;
    size_t time;
  };
  auto after = [](const Cursor& a, const Cursor& b) { return b.row.keys < a.row.keys; };
  std::vector<Cursor> heap;
  heap.reserve(others.size());
  if (!time_combinations.empty()) {
    for (size_t other = 0; other < others.size(); ++other) {
      heap.push_back(Cursor{gap_row(other, 0), other, 0});
    }
  }
  std::make_heap(heap.begin(), heap.end(), after);
  for (int added = 0; added < limit && !heap.empty();) {
    std::pop_heap(heap.begin(), heap.end(), after);
    Cursor& next = heap.back();
    if (!present.contains(JoinKeys(next.row.keys))) {
      rows->push_back(std::move(next.row));
      ++added;
    }
    if (++next.time < time_combinations.size()) {
      next.row = gap_row(next.other, next.time);
      std::push_heap(heap.begin(), heap.end(), after);
    } else {
      heap.pop_back();
    }
  }
  return absl::OkStatus();
}

absl::Status OrderAndLimit(RowOrder order, int limit, std::vector<KeyedRow>* rows) {
  if (limit == 0 && rows->size() > static_cast<size_t>(kMaxRows)) return TooManyRows(rows->size());
  auto by_keys = [](const KeyedRow& a, const KeyedRow& b) { return a.keys < b.keys; };
  auto compare = [&](const KeyedRow& a, const KeyedRow& b) {
    switch (order) {
      case RowOrder::kEventCountDesc:
        if (a.events != b.events) return a.events > b.events;
        break;
      case RowOrder::kFatalitiesDesc:
        if (a.fatalities != b.fatalities) return a.fatalities > b.fatalities;
        break;
      case RowOrder::kKeysAsc:
        break;
    }
    return by_keys(a, b);
  };
  const size_t keep = limit == 0 ? rows->size() : std::min<size_t>(limit, rows->size());
  if (keep < rows->size()) {
    std::partial_sort(rows->begin(), rows->begin() + keep, rows->end(), compare);
    rows->resize(keep);
  } else {
    std::sort(rows->begin(), rows->end(), compare);
  }
  return absl::OkStatus();
}

}  // namespace lookout::stats
