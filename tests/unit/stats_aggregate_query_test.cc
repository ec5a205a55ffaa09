#include <gtest/gtest.h>

#include "common/errors.h"
#include "common/validation.h"
#include "services/stats/aggregate_cache.h"
#include "services/stats/aggregate_query.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::AggregateEventsRequest;
using ::lookout::stats::v1::GetTrendsRequest;

// The status of parsing `request`, with the field the error names.
void ExpectInvalid(const AggregateEventsRequest& request, const std::string& field) {
  absl::StatusOr<AggregateQuery> query = ParseAggregateRequest(request);
  ASSERT_FALSE(query.ok()) << request.DebugString();
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(errors::FieldOf(query.status()), field) << query.status();
}

void ExpectInvalid(const GetTrendsRequest& request, const std::string& field) {
  absl::StatusOr<TrendsQuery> query = ParseTrendsRequest(request);
  ASSERT_FALSE(query.ok()) << request.DebugString();
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(errors::FieldOf(query.status()), field) << query.status();
}

TEST(StatsAggregateQueryTest, RejectsBadGroupBy) {
  AggregateEventsRequest request;
  for (auto d :
       {v1::DIMENSION_DAY, v1::DIMENSION_COUNTRY, v1::DIMENSION_ACTOR, v1::DIMENSION_ADMIN1}) {
    request.add_group_by(d);
  }
  ExpectInvalid(request, "group_by");
  request.clear_group_by();
  request.add_group_by(v1::DIMENSION_MONTH);
  request.add_group_by(v1::DIMENSION_MONTH);
  ExpectInvalid(request, "group_by[1]");
  request.clear_group_by();
  request.add_group_by(v1::DIMENSION_UNSPECIFIED);
  ExpectInvalid(request, "group_by[0]");
  request.clear_group_by();
  request.add_group_by(static_cast<v1::Dimension>(42));
  ExpectInvalid(request, "group_by[0]");
}

TEST(StatsAggregateQueryTest, RejectsBadOptions) {
  AggregateEventsRequest request;
  request.set_order_by("count");
  ExpectInvalid(request, "order_by");
  request.set_order_by("");
  request.set_limit(-1);
  ExpectInvalid(request, "limit");
  request.set_limit(0);
  request.set_fill_gaps(true);
  request.add_group_by(v1::DIMENSION_COUNTRY);
  ExpectInvalid(request, "fill_gaps");
  request.set_fill_gaps(false);
  request.set_as_of_sequence(-5);
  ExpectInvalid(request, "as_of_sequence");
}

TEST(StatsAggregateQueryTest, RejectsBadFiltersWithTheFiltersFieldPath) {
  AggregateEventsRequest request;
  request.mutable_filter()->add_country_codes("Haiti");
  ExpectInvalid(request, "filter.country_codes[0]");
  request.mutable_filter()->Clear();
  request.mutable_filter()->mutable_date_range()->set_start_date("2024-02-30");
  ExpectInvalid(request, "filter.date_range.start_date");
  request.mutable_filter()->Clear();
  request.mutable_filter()->mutable_date_range()->set_start_date("2024-03-01");
  request.mutable_filter()->mutable_date_range()->set_end_date("2024-02-01");
  ExpectInvalid(request, "filter.date_range");
  request.mutable_filter()->Clear();
  request.mutable_filter()->add_sub_event_types("Armed clashes");
  ExpectInvalid(request, "filter.sub_event_types[0]");
  request.mutable_filter()->Clear();
  request.mutable_filter()->set_min_fatalities(-1);
  ExpectInvalid(request, "filter.min_fatalities");
}

TEST(StatsAggregateQueryTest, AcceptsOrderBySpellingsAndClampsTheLimit) {
  AggregateEventsRequest request;
  request.set_order_by("  Event_Count   DESC ");
  request.set_limit(1 << 30);
  absl::StatusOr<AggregateQuery> query = ParseAggregateRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->order, RowOrder::kEventCountDesc);
  EXPECT_EQ(query->limit, kMaxRows);
  EXPECT_EQ(query->normalized.order_by(), "event_count desc");
}

TEST(StatsAggregateQueryTest, EquivalentRequestsShareOneCacheDigest) {
  AggregateEventsRequest a;
  a.mutable_filter()->add_country_codes("KEN");
  a.mutable_filter()->add_country_codes("HTI");
  a.mutable_filter()->add_country_codes("HTI");
  a.mutable_filter()->mutable_bbox();  // an all-zero box means no box
  a.add_group_by(v1::DIMENSION_MONTH);
  a.set_as_of_sequence(7);  // a wait condition, not part of the question
  AggregateEventsRequest b;
  b.mutable_filter()->add_country_codes("HTI");
  b.mutable_filter()->add_country_codes("KEN");
  b.add_group_by(v1::DIMENSION_MONTH);
  b.set_order_by("keys asc");
  const std::string digest_a = AggregateCache::RequestDigest(ParseAggregateRequest(a)->normalized);
  const std::string digest_b = AggregateCache::RequestDigest(ParseAggregateRequest(b)->normalized);
  EXPECT_EQ(digest_a, digest_b);
  // A different question gets a different digest.
  b.set_limit(3);
  EXPECT_NE(AggregateCache::RequestDigest(ParseAggregateRequest(b)->normalized), digest_a);
  EXPECT_NE(AggregateCache::Key(digest_a, {"a1", 1}), AggregateCache::Key(digest_a, {"a1", 2}));
  // The same sequence in another change log (a recreated event store) is another answer.
  EXPECT_NE(AggregateCache::Key(digest_a, {"a1", 1}), AggregateCache::Key(digest_a, {"b2", 1}));

  // Seas: basins and bodies of water in any order, named twice, are one question.
  AggregateEventsRequest c;
  c.mutable_filter()->add_maritime_basins("Red Sea");
  c.mutable_filter()->add_maritime_basins("Atlantic Ocean");
  c.mutable_filter()->add_maritime_basins("Red Sea");
  c.mutable_filter()->add_bodies_of_water("Caribbean Sea");
  c.add_group_by(v1::DIMENSION_BODY_OF_WATER);
  AggregateEventsRequest d;
  d.mutable_filter()->add_maritime_basins("Atlantic Ocean");
  d.mutable_filter()->add_maritime_basins("Red Sea");
  d.mutable_filter()->add_bodies_of_water("Caribbean Sea");
  d.add_group_by(v1::DIMENSION_BODY_OF_WATER);
  const std::string digest_c = AggregateCache::RequestDigest(ParseAggregateRequest(c)->normalized);
  EXPECT_EQ(AggregateCache::RequestDigest(ParseAggregateRequest(d)->normalized), digest_c);
  d.mutable_filter()->add_bodies_of_water("Gulf of Aden");
  EXPECT_NE(AggregateCache::RequestDigest(ParseAggregateRequest(d)->normalized), digest_c);
  d.clear_group_by();
  d.add_group_by(v1::DIMENSION_MARITIME_BASIN);
  EXPECT_TRUE(ParseAggregateRequest(d).ok());
}

TEST(StatsTrendsQueryTest, ComputesAdjacentWindows) {
  GetTrendsRequest request;
  request.set_end_date("2024-03-31");
  request.set_window_days(31);
  request.set_dimension(v1::DIMENSION_COUNTRY);
  absl::StatusOr<TrendsQuery> query = ParseTrendsRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(validation::FormatDate(query->current_first_day), "2024-03-01");
  EXPECT_EQ(validation::FormatDate(query->current_last_day), "2024-03-31");
  EXPECT_EQ(validation::FormatDate(query->previous_first_day), "2024-01-30");
  EXPECT_EQ(validation::FormatDate(query->previous_last_day), "2024-02-29");
}

TEST(StatsTrendsQueryTest, RejectsBadRequests) {
  GetTrendsRequest request;
  request.set_end_date("2024-03-31");
  request.set_window_days(7);
  request.set_dimension(v1::DIMENSION_EVENT_TYPE);
  ASSERT_TRUE(ParseTrendsRequest(request).ok());

  GetTrendsRequest bad = request;
  bad.mutable_filter()->mutable_date_range()->set_start_date("2024-01-01");
  ExpectInvalid(bad, "filter.date_range");
  bad = request;
  bad.clear_end_date();
  ExpectInvalid(bad, "end_date");
  bad = request;
  bad.set_window_days(0);
  ExpectInvalid(bad, "window_days");
  bad.set_window_days(kMaxWindowDays + 1);
  ExpectInvalid(bad, "window_days");
  bad = request;
  bad.set_dimension(v1::DIMENSION_MONTH);
  ExpectInvalid(bad, "dimension");
  bad.set_dimension(v1::DIMENSION_UNSPECIFIED);
  ExpectInvalid(bad, "dimension");
  bad = request;
  bad.set_limit(-2);
  ExpectInvalid(bad, "limit");
  bad = request;
  bad.set_end_date("1900-01-05");
  ExpectInvalid(bad, "window_days");
}

}  // namespace
}  // namespace lookout::stats
