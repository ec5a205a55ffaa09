#include "services/event/event_list_query.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace lookout::event {

absl::StatusOr<EventOrder> ParseOrderBy(absl::string_view order_by) {
  std::vector<absl::string_view> words =
      absl::StrSplit(order_by, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  const std::string normalized = absl::AsciiStrToLower(absl::StrJoin(words, " "));
  if (normalized.empty() || normalized == "event_date desc") return EventOrder::kEventDateDesc;
  if (normalized == "event_date asc") return EventOrder::kEventDateAsc;
  if (normalized == "fatalities desc") return EventOrder::kFatalitiesDesc;
  return errors::InvalidField(
      "order_by", absl::StrCat("must be \"event_date desc\" (the default), \"event_date asc\" or "
                               "\"fatalities desc\", got \"",
                               order_by.substr(0, 60), "\""));
}

std::string CanonicalQuery(const v1::EventFilter& filter, EventOrder order) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    filter.SerializeToCodedStream(&coded);
  }
  return absl::StrCat("events/v1|order=", static_cast<int>(order), "|filter=", bytes);
}

std::string EncodeCursor(const EventCursor& cursor) {
  return absl::StrCat(cursor.sort_key, ":", cursor.id);
}

absl::StatusOr<EventCursor> DecodeCursor(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits(':', 1));
  EventCursor cursor;
  if (parts.size() != 2 || parts[1].empty() || !absl::SimpleAtoi(parts[0], &cursor.sort_key)) {
    return errors::InvalidField("page_token", "is not a token this service issued");
  }
  cursor.id = std::string(parts[1]);
  return cursor;
}

}  // namespace lookout::event
