// The shared filter cases (event_filter/testing/filter_cases.h) against ValidateFilter and the
// in-memory matcher, and the check that every EventFilter field has its cases.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "event_filter/event_validation.h"
#include "event_filter/matcher.h"
#include "event_filter/testing/filter_cases.h"
#include "event_filter/text_words.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace lookout::event_filter {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;
using testing::FilterCase;
using testing::FilterCases;

// The event service's rule for the output-only `fatalities`: the best KILLED count.
int64_t BestKilled(const Event& event) {
  for (const auto& casualty : event.casualties()) {
    if (casualty.kind() == event::v1::CASUALTY_KIND_KILLED) return casualty.count().best();
  }
  return 0;
}

TEST(EventFilterCasesTest, CasesAreNamedOnceAndHoldStorableEvents) {
  std::set<std::string> names;
  for (const FilterCase& c : FilterCases()) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(names.insert(c.name).second) << "two cases are named " << c.name;
    EXPECT_TRUE(ValidateEvent(c.event).ok()) << ValidateEvent(c.event);
    EXPECT_EQ(c.event.fatalities(), BestKilled(c.event));
  }
}

TEST(EventFilterCasesTest, ValidateFilterAndTheMatcherAnswerEveryCase) {
  for (const FilterCase& c : FilterCases()) {
    SCOPED_TRACE(c.name);
    const absl::Status status = ValidateFilter(c.filter);
    if (c.invalid()) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
      EXPECT_EQ(errors::FieldOf(status), c.error_field) << status;
      EXPECT_THAT(std::string(status.message()), ::testing::StartsWith(c.error_field + ": "));
      EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(c.error_part));
      continue;
    }
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(MatchesFilter(c.event, c.filter), c.matches)
        << "filter " << c.filter.ShortDebugString();
  }
}

// The leaf fields set in `message`, as paths ("bbox.min_latitude").
void SetLeaves(const Message& message, const std::string& prefix, std::set<std::string>* out) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = prefix + field->name();
    if (field->type() == FieldDescriptor::TYPE_MESSAGE && !field->is_repeated()) {
      SetLeaves(message.GetReflection()->GetMessage(message, field), path + ".", out);
    } else {
      out->insert(path);
    }
  }
}

// Every leaf field path of `descriptor`.
void AllLeaves(const Descriptor* descriptor, const std::string& prefix,
               std::vector<std::string>* out) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const std::string path = prefix + field->name();
    if (field->type() == FieldDescriptor::TYPE_MESSAGE && !field->is_repeated()) {
      AllLeaves(field->message_type(), path + ".", out);
    } else {
      out->push_back(path);
    }
  }
}

// A new EventFilter field fails here until the table has a matching case, a missing case and an
// invalid filter for it: its meaning must land in ListEvents, the stats service and the matcher
// together.
TEST(EventFilterCasesTest, EveryFilterFieldHasCases) {
  std::set<std::string> matched, missed, refused;
  for (const FilterCase& c : FilterCases()) {
    if (c.invalid()) {
      refused.insert(c.error_field);
      continue;
    }
    std::set<std::string> leaves;
    SetLeaves(c.filter, "", &leaves);
    (c.matches ? matched : missed).insert(leaves.begin(), leaves.end());
  }
  std::vector<std::string> leaves;
  AllLeaves(EventFilter::descriptor(), "", &leaves);
  EXPECT_GE(leaves.size(), 14u);  // 8 scalar or repeated fields, date_range 2, bbox 4
  for (const std::string& leaf : leaves) {
    EXPECT_EQ(matched.count(leaf), 1u) << "no case where a filter on " << leaf << " matches";
    EXPECT_EQ(missed.count(leaf), 1u) << "no case where a filter on " << leaf << " misses";
  }
  const Descriptor* filter = EventFilter::descriptor();
  for (int i = 0; i < filter->field_count(); ++i) {
    // Every value of a bool is valid (is_root_event): it has no invalid case to give.
    if (filter->field(i)->type() == google::protobuf::FieldDescriptor::TYPE_BOOL) continue;
    const std::string path = "filter." + filter->field(i)->name();
    const bool found = std::any_of(refused.begin(), refused.end(), [&](const std::string& f) {
      return f == path || f.rfind(path + ".", 0) == 0 || f.rfind(path + "[", 0) == 0;
    });
    EXPECT_TRUE(found) << "no invalid-filter case for " << path;
  }
}

TEST(EventFilterCasesTest, TextWordsAreFoldedRunsOfLettersAndDigits) {
  EXPECT_THAT(TextWords("Croix-des-Bouquets, 12! CITÉ l\xe2\x80\x99\xc3\x89glise Œuvre Łódź"),
              ::testing::ElementsAre("croix", "des", "bouquets", "12", "cite", "l", "eglise",
                                     "œuvre", "łodz"));  // ł has no diacritic to remove
}

TEST(EventFilterCasesTest, QueryWordsAreWordsWithPrefixMarks) {
  std::vector<std::string> read;
  for (const QueryWord& w : QueryWords("\"Cité\" OR kidnap* -NEAR(x *) Pét*")) {
    read.push_back(absl::StrCat(w.as_written, "=", w.folded, w.prefix ? "*" : ""));
  }
  EXPECT_THAT(read, ::testing::ElementsAre("Cité=cite", "OR=or", "kidnap=kidnap*", "NEAR=near",
                                           "x=x", "Pét=pet*"));
}

}  // namespace
}  // namespace lookout::event_filter
