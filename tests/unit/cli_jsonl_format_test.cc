// Lookout's JSONL: what export writes, import reads back the same; bare Events are accepted;
// every rejection reason.
#include <string>
#include <vector>

#include "cli/import/jsonl_format.h"
#include "cli/testing/read_all.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace lookout::cli {
namespace {

using cli_testing::ReadFixture;

TEST(JsonlFormatTest, ReadsEnvelopesAndBareEvents) {
  auto outcome = ReadFixture(ImportFormat::kJsonl, "jsonl/events_valid.jsonl");
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].message;
  ASSERT_EQ(outcome.rows.size(), 3u);

  const ParsedRow& clash = outcome.rows[0];
  EXPECT_EQ(clash.line, 1);
  EXPECT_EQ(clash.event.external_ids(0).value(), "HTI9001");
  EXPECT_EQ(clash.event.casualties(0).count().qualifier(), type::v1::QUALIFIER_APPROXIMATELY);
  // Output-only fields are the server's: dropped on the way in.
  EXPECT_EQ(clash.event.id(), "");
  EXPECT_EQ(clash.event.fatalities(), 0);
  EXPECT_FALSE(clash.event.has_create_time());
  EXPECT_EQ(clash.event.sequence(), 0);
  EXPECT_EQ(clash.event.etag(), "");
  EXPECT_EQ(clash.event.participants_size(), 0);
  ASSERT_EQ(clash.actors.size(), 2u);
  EXPECT_EQ(clash.actors[0].name, "Gang A (Haiti)");
  EXPECT_EQ(clash.actors[0].actor_id, "");
  EXPECT_EQ(clash.actors[0].type, actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
  EXPECT_EQ(clash.actors[1].role, event::v1::PARTICIPANT_ROLE_SECONDARY);

  // A bare Event keeps its actor ids, and its own id becomes a LOOKOUT external id so that
  // importing the file again updates it.
  const ParsedRow& bare = outcome.rows[1];
  EXPECT_EQ(bare.line, 3);  // line 2 is blank
  ASSERT_EQ(bare.event.external_ids_size(), 1);
  EXPECT_EQ(bare.event.external_ids(0).scheme(), "LOOKOUT");
  EXPECT_EQ(bare.event.external_ids(0).value(), "evt_9");
  ASSERT_EQ(bare.actors.size(), 1u);
  EXPECT_EQ(bare.actors[0].actor_id, "act_us");
  EXPECT_EQ(bare.actors[0].role, event::v1::PARTICIPANT_ROLE_PROVIDER);

  // A null entry in actors falls back to the participant's id.
  const ParsedRow& mixed = outcome.rows[2];
  ASSERT_EQ(mixed.actors.size(), 2u);
  EXPECT_EQ(mixed.actors[0].name, "Government of Kenya");
  EXPECT_EQ(mixed.actors[1].name, "");
  EXPECT_EQ(mixed.actors[1].actor_id, "act_ht");
}

TEST(JsonlFormatTest, RejectsEachBadLineWithItsReason) {
  auto outcome = ReadFixture(ImportFormat::kJsonl, "jsonl/events_rejects.jsonl");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"line", "line: is not a JSON object: Unexpected token."},
      {"event", "event: bogus: Cannot find field."},
      {"extra", "extra: is not a field of a Lookout JSONL line (event, actors)"},
      {"event", "event: must be a JSON object"},
      {"actors", "actors: must be a JSON array"},
      {"event.participants[0]",
       "event.participants[0]: has neither an actor_id nor a named actor in actors"},
      {"actors", "actors: has 1 entries for 0 participants"},
      {"event",
       "event: (event_type): invalid value \"EVENT_TYPE_NOPE\" for type "
       "type.googleapis.com/lookout.event.v1.EventType"},
      {"actors[0]", "actors[0]: must be a JSON object or null"},
      {"line", "line: is not valid UTF-8"},
  };
  ASSERT_EQ(outcome.errors.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(outcome.errors[i].line, static_cast<int64_t>(i + 1));
    EXPECT_EQ(outcome.errors[i].field, expected[i].first);
    EXPECT_EQ(outcome.errors[i].message, expected[i].second);
  }
  ASSERT_EQ(outcome.rows.size(), 1u);
  EXPECT_EQ(outcome.rows[0].line, 11);
}

TEST(JsonlFormatTest, WhatExportWritesImportReadsBackUnchanged) {
  event::v1::Event event;
  event.set_id("evt_42");
  event.set_event_date("2024-01-20");
  event.set_end_date("2024-01-22");
  event.set_date_precision(type::v1::DATE_PRECISION_WEEK);
  event.set_event_type(event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
  event.set_sub_event_type("Abduction/forced disappearance");
  auto* p = event.add_participants();
  p->set_actor_id("act_gang");
  p->set_role(event::v1::PARTICIPANT_ROLE_PRIMARY);
  p = event.add_participants();
  p->set_actor_id("act_civ");
  p->set_role(event::v1::PARTICIPANT_ROLE_TARGET);
  auto* location = event.mutable_location();
  location->set_country_code("HTI");
  location->set_latitude(0);  // a set zero must survive
  location->set_longitude(-72.5);
  auto* casualty = event.add_casualties();
  casualty->set_kind(event::v1::CASUALTY_KIND_KIDNAPPED);
  casualty->mutable_count()->set_best(12);
  casualty->mutable_count()->set_low(10);
  casualty->mutable_count()->set_qualifier(type::v1::QUALIFIER_AT_LEAST);
  event.set_civilian_targeting(true);
  event.set_notes("Line one\nline \"two\" \xC3\xA9");
  event.add_tags("t1");
  auto* id = event.add_external_ids();
  id->set_scheme("ACLED");
  id->set_value("HTI1");
  event.set_fatalities(0);
  event.set_sequence(99);
  event.set_etag("e");

  actor::v1::Actor gang, civilians;
  gang.set_id("act_gang");
  gang.set_name("Gang A");
  gang.set_type(actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
  gang.set_country_code("HTI");
  gang.set_description("not exported");
  civilians.set_name("Civilians (Haiti)");
  civilians.set_type(actor::v1::ACTOR_TYPE_CIVILIANS);

  const std::string line = FormatJsonlLine(event, {&gang, &civilians});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find("not exported"), std::string::npos);
  absl::StatusOr<ParsedRow> row = ParseJsonlLine(line);
  ASSERT_TRUE(row.ok()) << row.status();

  event::v1::Event expected = event;
  expected.clear_id();
  expected.clear_sequence();
  expected.clear_etag();
  expected.clear_participants();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(row->event, expected))
      << row->event.DebugString();
  EXPECT_TRUE(row->event.location().has_latitude());
  ASSERT_EQ(row->actors.size(), 2u);
  EXPECT_EQ(row->actors[0].name, "Gang A");
  EXPECT_EQ(row->actors[0].country_code, "HTI");
  EXPECT_EQ(row->actors[0].role, event::v1::PARTICIPANT_ROLE_PRIMARY);
  EXPECT_EQ(row->actors[1].name, "Civilians (Haiti)");
  EXPECT_EQ(row->actors[1].type, actor::v1::ACTOR_TYPE_CIVILIANS);
  EXPECT_EQ(row->actors[1].role, event::v1::PARTICIPANT_ROLE_TARGET);
}

TEST(JsonlFormatTest, AnUnknownActorIsWrittenAsNullAndReadAsItsId) {
  event::v1::Event event;
  event.set_event_date("2024-01-20");
  auto* p = event.add_participants();
  p->set_actor_id("act_gone");
  p->set_role(event::v1::PARTICIPANT_ROLE_PRIMARY);
  const std::string line = FormatJsonlLine(event, {nullptr});
  EXPECT_NE(line.find("\"actors\":[null]"), std::string::npos) << line;
  absl::StatusOr<ParsedRow> row = ParseJsonlLine(line);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->actors[0].actor_id, "act_gone");
}

}  // namespace
}  // namespace lookout::cli
