// The W3C traceparent rules (https://www.w3.org/TR/trace-context/#traceparent-header) as Lookout
// applies them, and the trace ids on log lines.
#include "common/trace_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/logging.h"

namespace lookout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kParentId[] = "00f067aa0ba902b7";
constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

bool IsLowerHex(const std::string& text, size_t length) {
  return text.size() == length && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(ParseTraceparentTest, ReadsTheSpecExample) {
  auto parsed = ParseTraceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, kTraceId);
  EXPECT_EQ(parsed->parent_id, kParentId);
  EXPECT_EQ(parsed->flags, 0x01);
}

TEST(ParseTraceparentTest, ReadsEveryFlagsValue) {
  auto unsampled = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_EQ(unsampled->flags, 0x00);
  auto all = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->flags, 0xff);
}

TEST(ParseTraceparentTest, RefusesWhatTheSpecRefuses) {
  const char* const invalid[] = {
      "",
      "00",
      // one character short, one too many for version 00
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011",
      // version 00 takes no further fields
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      // version ff is forbidden; versions are two lower-case hex digits
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      // all-zero ids
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      // upper case is not HEXDIGLC
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
      // not hex at all
      "00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",
      // separators
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
      // ids of the wrong length (the total length still 55)
      "00-4bf92f3577b34da6a3ce929d0e0e47360-0f067aa0ba902b7-01",
      // surrounding spaces are not part of the format
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ",
      // a later version may only go on after a "-"
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
  };
  for (const char* value : invalid) {
    EXPECT_FALSE(ParseTraceparent(value).has_value()) << "[" << value << "]";
  }
}

TEST(ParseTraceparentTest, ReadsALaterVersionByItsVersion00Prefix) {
  for (const char* value :
       {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future"}) {
    auto parsed = ParseTraceparent(value);
    ASSERT_TRUE(parsed.has_value()) << value;
    EXPECT_EQ(parsed->trace_id, kTraceId);
    EXPECT_EQ(parsed->parent_id, kParentId);
  }
}

TEST(ContinueOrStartTraceTest, ContinuesAValidTraceWithASpanOfItsOwn) {
  TraceContext trace = ContinueOrStartTrace(kValid);
  EXPECT_EQ(trace.trace_id, kTraceId);
  EXPECT_EQ(trace.parent_id, kParentId);
  EXPECT_TRUE(IsLowerHex(trace.span_id, 16)) << trace.span_id;
  EXPECT_NE(trace.span_id, kParentId);
  EXPECT_EQ(trace.flags, 0x01);
  EXPECT_NE(ContinueOrStartTrace(kValid).span_id, trace.span_id);
}

TEST(ContinueOrStartTraceTest, KeepsOnlyTheSampledFlag) {
  EXPECT_EQ(ContinueOrStartTrace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").flags,
            0x00);
  EXPECT_EQ(ContinueOrStartTrace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-fe").flags,
            0x00);
  EXPECT_EQ(ContinueOrStartTrace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff").flags,
            0x01);
}

TEST(ContinueOrStartTraceTest, StartsANewSampledTraceWhenMissingOrInvalid) {
  for (const char* value :
       {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}) {
    TraceContext trace = ContinueOrStartTrace(value);
    EXPECT_TRUE(IsLowerHex(trace.trace_id, 32)) << value;
    EXPECT_NE(trace.trace_id, kTraceId) << value;
    EXPECT_TRUE(IsLowerHex(trace.span_id, 16)) << value;
    EXPECT_EQ(trace.parent_id, "") << value;
    EXPECT_EQ(trace.flags, 0x01) << value;
  }
  EXPECT_NE(ContinueOrStartTrace("").trace_id, ContinueOrStartTrace("").trace_id);
}

TEST(ChildTraceparentTest, SameTraceNewSpanForEveryCall) {
  TraceContext trace = ContinueOrStartTrace(kValid);
  const std::string first = ChildTraceparent(trace);
  const std::string second = ChildTraceparent(trace);
  auto a = ParseTraceparent(first);
  auto b = ParseTraceparent(second);
  ASSERT_TRUE(a.has_value()) << first;
  ASSERT_TRUE(b.has_value()) << second;
  EXPECT_EQ(first.substr(0, 3), "00-");
  EXPECT_EQ(a->trace_id, kTraceId);
  EXPECT_EQ(b->trace_id, kTraceId);
  EXPECT_NE(a->parent_id, b->parent_id);
  EXPECT_NE(a->parent_id, trace.span_id);
  EXPECT_NE(a->parent_id, kParentId);
  EXPECT_EQ(first.substr(53), "01");
}

TEST(ChildTraceparentTest, SendsUnknownFlagsAsZero) {
  TraceContext trace;
  trace.trace_id = kTraceId;
  trace.span_id = kParentId;
  trace.flags = 0xff;
  EXPECT_EQ(ChildTraceparent(trace).substr(53), "01");
  trace.flags = 0x02;
  EXPECT_EQ(ChildTraceparent(trace).substr(53), "00");
}

TEST(ChildTraceparentTest, NothingOutsideATrace) {
  EXPECT_EQ(ChildTraceparent(TraceContext{}), "");
}

TEST(FormatTraceparentTest, WritesVersion00) {
  EXPECT_EQ(FormatTraceparent(kTraceId, kParentId, 0x01), kValid);
  EXPECT_EQ(FormatTraceparent(kTraceId, kParentId, 0x00),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(NewIdsTest, AreLowerHexOfTheirLength) {
  EXPECT_TRUE(IsLowerHex(NewTraceId(), 32));
  EXPECT_TRUE(IsLowerHex(NewSpanId(), 16));
}

TEST(TraceLoggingTest, LinesWrittenInsideATraceCarryItsIds) {
  TraceContext trace = ContinueOrStartTrace(kValid);
  testing::internal::CaptureStderr();
  {
    ScopedTrace scoped(trace);
    EXPECT_EQ(CurrentTrace().trace_id, kTraceId);
    LogInfo("inside");
  }
  LogInfo("outside");
  const std::string out = testing::internal::GetCapturedStderr();
  const size_t newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos) << out;
  const std::string inside = out.substr(0, newline);
  const std::string outside = out.substr(newline + 1);
  EXPECT_THAT(inside, HasSubstr("\"msg\":\"inside\""));
  EXPECT_THAT(inside, HasSubstr(std::string("\"trace_id\":\"") + kTraceId + "\""));
  EXPECT_THAT(inside, HasSubstr("\"span_id\":\"" + trace.span_id + "\""));
  EXPECT_THAT(outside, HasSubstr("\"msg\":\"outside\""));
  EXPECT_THAT(outside, Not(HasSubstr("trace_id")));
  EXPECT_THAT(outside, Not(HasSubstr("span_id")));
  EXPECT_TRUE(CurrentTrace().empty());
}

TEST(TraceLoggingTest, NestedScopesRestoreTheOuterTrace) {
  TraceContext outer = ContinueOrStartTrace("");
  TraceContext inner = ContinueOrStartTrace("");
  ScopedTrace a(outer);
  {
    ScopedTrace b(inner);
    EXPECT_EQ(CurrentTrace().trace_id, inner.trace_id);
  }
  EXPECT_EQ(CurrentTrace().trace_id, outer.trace_id);
}

}  // namespace
}  // namespace lookout
