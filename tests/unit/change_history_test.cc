// common/change_history.h: the top-level fields a change altered, as the histories show them, and
// the reason rule (one line of text, at most 500 bytes).
#include "common/change_history.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.pb.h"
#include "lookout/stats/v1/observation.pb.h"

namespace lookout {
namespace {

using ::lookout::stats::v1::Observation;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Observation Figure() {
  Observation o;
  o.set_id("obs_1");
  o.set_metric(stats::v1::METRIC_KILLED);
  o.mutable_value()->set_best(10);
  o.set_country_code("HTI");
  o.add_actor_ids("act_1");
  return o;
}

TEST(FieldDiffTest, ACreationListsEveryFieldSetInFieldOrder) {
  EXPECT_THAT(ChangedFieldPaths(nullptr, Figure()),
              ElementsAre("id", "metric", "value", "country_code", "actor_ids"));
  EXPECT_THAT(ChangedFieldPaths(nullptr, Observation()), IsEmpty());
}

TEST(FieldDiffTest, AChangeListsTheTopLevelFieldsThatDiffer) {
  const Observation before = Figure();
  EXPECT_THAT(ChangedFieldPaths(&before, before), IsEmpty());
  Observation after = before;
  after.mutable_value()->set_high(12);  // inside a message: its top-level field
  after.add_actor_ids("act_2");         // a repeated field grown
  after.clear_country_code();           // a field cleared
  EXPECT_THAT(ChangedFieldPaths(&before, after), ElementsAre("value", "country_code", "actor_ids"));
}

TEST(FieldDiffTest, IgnoredFieldsAreLeftOut) {
  const Observation before = Figure();
  Observation after = before;
  after.set_id("obs_2");
  after.set_notes("n");
  EXPECT_THAT(ChangedFieldPaths(&before, after, {Observation::kIdFieldNumber}),
              ElementsAre("notes"));
  EXPECT_THAT(ChangedFieldPaths(nullptr, before,
                                {Observation::kIdFieldNumber, Observation::kActorIdsFieldNumber}),
              ElementsAre("metric", "value", "country_code"));
}

TEST(ChangeAuthorTest, AReasonIsOneLineOfAtMost500BytesOfUtf8) {
  EXPECT_TRUE(ValidateChangeReason("reason", "").ok());
  EXPECT_TRUE(ValidateChangeReason("reason", "ACLED corrected week 19 — Carrefour").ok());
  EXPECT_TRUE(ValidateChangeReason("reason", std::string(kMaxChangeReasonLength, 'x')).ok());
  for (const std::string& bad :
       {std::string(kMaxChangeReasonLength + 1, 'x'), std::string("a\nb"), std::string("tab\there"),
        std::string("\x7f"), std::string("\xff\xfe")}) {
    absl::Status status = ValidateChangeReason("options.reason", bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("options.reason")) << bad;
  }
}

TEST(ChangeAuthorTest, ProvenanceHasNoTimeWhenItIsUnknown) {
  ChangeAuthor author{"editor", "req-1", "why", 0};
  event::v1::ChangeProvenance provenance = ProvenanceOf<event::v1::ChangeProvenance>(author);
  EXPECT_EQ(provenance.principal(), "editor");
  EXPECT_EQ(provenance.request_id(), "req-1");
  EXPECT_EQ(provenance.reason(), "why");
  EXPECT_FALSE(provenance.has_time());
  author.time_micros = 1700000000123456;
  provenance = ProvenanceOf<event::v1::ChangeProvenance>(author);
  EXPECT_EQ(provenance.time().seconds(), 1700000000);
  EXPECT_EQ(provenance.time().nanos(), 123456000);
  // Without a call (a background job), no principal and no request id.
  EXPECT_EQ(AuthorOfCall(nullptr, "r").principal, "");
  EXPECT_EQ(AuthorOfCall(nullptr, "r").reason, "r");
}

}  // namespace
}  // namespace lookout
