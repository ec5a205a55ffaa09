// The delimited-record reader under the importers: quoting, lines, and recovery after a bad
// record.
#include <sstream>
#include <string>
#include <vector>

#include "cli/import/csv_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

using ::testing::ElementsAre;

struct Item {
  CsvReader::Result result;
  std::vector<std::string> fields;
  int64_t line;
  std::string error;
};

std::vector<Item> ReadAll(const std::string& text, CsvReader::Options options = {}) {
  std::istringstream in(text);
  CsvReader reader(&in, options);
  std::vector<Item> items;
  for (;;) {
    CsvRecord record;
    std::string error;
    CsvReader::Result result = reader.Next(&record, &error);
    if (result == CsvReader::Result::kEnd) break;
    items.push_back({result, record.fields, record.line, error});
  }
  return items;
}

TEST(CsvReaderTest, SplitsPlainFieldsAndKeepsEmptyOnes) {
  auto items = ReadAll("a,b,,d\n1,2,3,4\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_THAT(items[0].fields, ElementsAre("a", "b", "", "d"));
  EXPECT_EQ(items[0].line, 1);
  EXPECT_THAT(items[1].fields, ElementsAre("1", "2", "3", "4"));
  EXPECT_EQ(items[1].line, 2);
}

TEST(CsvReaderTest, QuotedFieldsHoldDelimitersDoubledQuotesAndNewlines) {
  auto items = ReadAll("id,notes\n1,\"a, b \"\"c\"\"\nsecond line\"\n2,x\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_THAT(items[1].fields, ElementsAre("1", "a, b \"c\"\nsecond line"));
  EXPECT_EQ(items[1].line, 2);
  // The record after a multi-line one starts on its real line.
  EXPECT_EQ(items[2].line, 4);
}

TEST(CsvReaderTest, HandlesCrLfNoFinalNewlineBomAndBlankLines) {
  auto items = ReadAll("\xEF\xBB\xBFh1,h2\r\n\r\nx,\"y\"\r\n\nlast,row");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_THAT(items[0].fields, ElementsAre("h1", "h2"));
  EXPECT_THAT(items[1].fields, ElementsAre("x", "y"));
  EXPECT_EQ(items[1].line, 3);
  EXPECT_THAT(items[2].fields, ElementsAre("last", "row"));
  EXPECT_EQ(items[2].line, 5);
}

TEST(CsvReaderTest, AQuoteInsideAnUnquotedFieldIsText) {
  auto items = ReadAll("5\" gun,b\n");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_THAT(items[0].fields, ElementsAre("5\" gun", "b"));
}

TEST(CsvReaderTest, TextAfterAClosingQuoteIsMalformedAndReadingGoesOn) {
  auto items = ReadAll("a,\"b\"c,d\nnext,row\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].result, CsvReader::Result::kMalformed);
  EXPECT_EQ(items[0].error, "field 2 has text after its closing quote");
  EXPECT_EQ(items[0].line, 1);
  EXPECT_EQ(items[1].result, CsvReader::Result::kRecord);
  EXPECT_THAT(items[1].fields, ElementsAre("next", "row"));
}

TEST(CsvReaderTest, AnUnclosedQuoteIsReportedOnTheLineItOpens) {
  auto items = ReadAll("h\nok\n\"never closed\nmore\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2].result, CsvReader::Result::kMalformed);
  EXPECT_EQ(items[2].line, 3);
  EXPECT_EQ(items[2].error, "a quoted field opens on line 3 and is never closed");
}

TEST(CsvReaderTest, OverlongRecordsAndTooManyFieldsAreMalformed) {
  CsvReader::Options options;
  options.max_record_bytes = 8;
  options.max_fields = 3;
  auto items = ReadAll("123456789\na,b,c,d\nok\n", options);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].error, "the record is longer than 8 bytes");
  EXPECT_EQ(items[1].error, "the record has more than 3 fields");
  EXPECT_EQ(items[2].result, CsvReader::Result::kRecord);
}

TEST(CsvReaderTest, WithoutQuotingEveryTabSeparatedLineIsOneRecord) {
  CsvReader::Options options;
  options.delimiter = '\t';
  options.quoting = false;
  auto items = ReadAll("a\t\"b\tc\n\"d\t\n", options);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_THAT(items[0].fields, ElementsAre("a", "\"b", "c"));
  EXPECT_THAT(items[1].fields, ElementsAre("\"d", ""));
  EXPECT_EQ(items[1].line, 2);
}

TEST(CsvReaderTest, ReadsAcrossBufferBoundaries) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "\"quoted, value\",plain," + std::to_string(i) + "\n";
  auto items = ReadAll(text);
  ASSERT_EQ(items.size(), 20000u);
  EXPECT_THAT(items[19999].fields, ElementsAre("quoted, value", "plain", "19999"));
  EXPECT_EQ(items[19999].line, 20000);
}

}  // namespace
}  // namespace lookout::cli
