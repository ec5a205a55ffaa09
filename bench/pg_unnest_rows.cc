#include "bench/pg_unnest_rows.h"

#include <set>
#include <utility>

#include "common/validation.h"

namespace lookout::bench {

using ::lookout::event::v1::Event;

absl::Status PgUnnestRows::AppendCreatedEvent(const Event& event, absl::string_view words) {
  absl::StatusOr<int32_t> day = validation::ParseDate(event.event_date());
  if (!day.ok()) return day.status();
  int32_t end_day = *day;
  if (!event.end_date().empty()) {
    absl::StatusOr<int32_t> end = validation::ParseDate(event.end_date());
    if (!end.ok()) return end.status();
    end_day = *end;
  }
  const std::string blob = event.SerializeAsString();
  const auto& location = event.location();

  ids_.Text(event.id());
  event_days_.Int(*day);
  end_days_.Int(end_day);
  countries_.Text(location.country_code());
  admin1s_.Text(location.admin1());
  types_.Int(static_cast<int64_t>(event.event_type()));
  sub_types_.Text(event.sub_event_type());
  fatalities_.Int(event.fatalities());
  if (location.has_latitude() && location.has_longitude()) {
    lats_.Double(location.latitude());
    lons_.Double(location.longitude());
  } else {
    lats_.Null();
    lons_.Null();
  }
  sequences_.Int(event.sequence());
  if (words.empty()) {
    words_.Null();
  } else {
    words_.Text(words);
  }
  blobs_.Bytes(blob);

  // One index row per distinct actor and tag, as the store keeps them.
  std::set<std::string> actors;
  for (const auto& participant : event.participants()) actors.insert(participant.actor_id());
  for (const std::string& actor : actors) {
    actor_ids_.Text(actor);
    actor_events_.Text(event.id());
  }
  for (const std::string& tag : std::set<std::string>(event.tags().begin(), event.tags().end())) {
    tags_.Text(tag);
    tag_events_.Text(event.id());
  }
  for (const auto& id : event.external_ids()) {
    schemes_.Text(id.scheme());
    values_.Text(id.value());
    owner_events_.Text(event.id());
  }

  change_sequences_.Int(event.sequence());
  change_events_.Text(event.id());
  change_types_.Int(static_cast<int64_t>(lookout::event::v1::CHANGE_TYPE_CREATED));
  change_blobs_.Bytes(blob);
  return absl::OkStatus();
}

std::vector<PgStatement> PgUnnestRows::Finish() && {
  std::vector<PgStatement> statements;
  if (ids_.empty()) return statements;
  auto statement = [&statements](const char* sql,
                                 std::initializer_list<pg::ArrayLiteral*> columns) {
    pg::Params params;
    for (pg::ArrayLiteral* column : columns) params.AddLiteral(std::move(*column).Finish());
    statements.push_back(PgStatement{sql, std::move(params)});
  };
  statement(kInsertEventsSql, {&ids_, &event_days_, &end_days_, &countries_, &admin1s_, &types_,
                               &sub_types_, &fatalities_, &lats_, &lons_, &sequences_, &words_,
                               &blobs_});
  if (!actor_ids_.empty()) statement(kInsertActorsSql, {&actor_ids_, &actor_events_});
  if (!tags_.empty()) statement(kInsertTagsSql, {&tags_, &tag_events_});
  if (!schemes_.empty()) {
    statement(kInsertExternalIdsSql, {&schemes_, &values_, &owner_events_});
  }
  statement(kInsertChangesSql,
            {&change_sequences_, &change_events_, &change_types_, &change_blobs_});
  return statements;
}

}  // namespace lookout::bench
