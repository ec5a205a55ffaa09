#include "bench/pg_copy_rows.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/validation.h"

namespace lookout::bench {
namespace {

using ::lookout::event::v1::Event;

// A text field: COPY's text format gives backslash, tab and line breaks a backslash escape.
void AppendText(absl::string_view value, std::string& out) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

// A bytea field in hex form ("\x0a1b..."), whose backslash COPY needs doubled.
void AppendBytea(absl::string_view bytes, std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\\\x";
  for (unsigned char byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
}

}  // namespace

void PgCopyRows::Clear() {
  events.clear();
  actors.clear();
  tags.clear();
  external_ids.clear();
  changes.clear();
}

absl::Status AppendCreatedEvent(const Event& event, absl::string_view words, PgCopyRows& rows) {
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

  std::string& e = rows.events;
  AppendText(event.id(), e);
  absl::StrAppend(&e, "\t", *day, "\t", end_day, "\t");
  AppendText(location.country_code(), e);
  e += '\t';
  AppendText(location.admin1(), e);
  absl::StrAppend(&e, "\t", static_cast<int>(event.event_type()), "\t");
  AppendText(event.sub_event_type(), e);
  absl::StrAppend(&e, "\t", event.fatalities());
  if (location.has_latitude() && location.has_longitude()) {
    absl::StrAppendFormat(&e, "\t%.17g\t%.17g", location.latitude(), location.longitude());
  } else {
    e += "\t\\N\t\\N";
  }
  absl::StrAppend(&e, "\tf\t", event.sequence(), "\t");
  if (words.empty()) {
    e += "\\N";
  } else {
    AppendText(words, e);
  }
  e += '\t';
  AppendBytea(blob, e);
  e += '\n';

  // One index row per distinct actor and tag, as the store keeps them.
  std::set<std::string> actors;
  for (const auto& participant : event.participants()) actors.insert(participant.actor_id());
  for (const std::string& actor : actors) {
    AppendText(actor, rows.actors);
    rows.actors += '\t';
    AppendText(event.id(), rows.actors);
    rows.actors += '\n';
  }
  std::set<std::string> tags(event.tags().begin(), event.tags().end());
  for (const std::string& tag : tags) {
    AppendText(tag, rows.tags);
    rows.tags += '\t';
    AppendText(event.id(), rows.tags);
    rows.tags += '\n';
  }
  for (const auto& id : event.external_ids()) {
    AppendText(id.scheme(), rows.external_ids);
    rows.external_ids += '\t';
    AppendText(id.value(), rows.external_ids);
    rows.external_ids += '\t';
    AppendText(event.id(), rows.external_ids);
    rows.external_ids += '\n';
  }

  absl::StrAppend(&rows.changes, event.sequence(), "\t");
  AppendText(event.id(), rows.changes);
  absl::StrAppend(&rows.changes, "\t",
                  static_cast<int>(lookout::event::v1::CHANGE_TYPE_CREATED), "\t");
  AppendBytea(blob, rows.changes);
  rows.changes += '\n';
  return absl::OkStatus();
}

}  // namespace lookout::bench
