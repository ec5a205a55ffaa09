// The source attributes ListEvents filters on (EventFilter fields 11-19), as the columns both
// stores keep in their event_source_attributes table: one row per live event that carries
// source attributes, none for an event without. A column of another source is NULL, so a test
// on it never matches (the matcher's rule: an event without the attribute never matches).
#ifndef LOOKOUT_SERVICES_EVENT_SOURCE_ATTRIBUTE_COLUMNS_H_
#define LOOKOUT_SERVICES_EVENT_SOURCE_ATTRIBUTE_COLUMNS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "event_filter/source_attributes_validation.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::event {

struct SourceAttributeColumns {
  std::optional<double> goldstein;
  std::optional<double> tone;
  std::optional<int64_t> quad_class;
  std::optional<int64_t> mentions;
  std::optional<bool> root;
  std::optional<std::string> disorder_type;
  std::optional<int64_t> interaction;
  std::optional<int64_t> conflict_id;
  std::optional<int64_t> dyad_id;
};

// nullopt for an event without source attributes (it gets no row).
inline std::optional<SourceAttributeColumns> SourceAttributeColumnsOf(
    const lookout::event::v1::Event& event) {
  SourceAttributeColumns c;
  switch (event.source_attributes_case()) {
    case v1::Event::kGdelt:
      c.goldstein = event.gdelt().goldstein_scale();
      c.tone = event.gdelt().avg_tone();
      c.quad_class = event.gdelt().quad_class();
      c.mentions = event.gdelt().num_mentions();
      c.root = event.gdelt().is_root_event();
      return c;
    case v1::Event::kAcled:
      c.disorder_type = event.acled().disorder_type();
      c.interaction = event.acled().interaction();
      return c;
    case v1::Event::kUcdp:
      c.conflict_id = event.ucdp().conflict_id();
      c.dyad_id = event.ucdp().dyad_id();
      return c;
    case v1::Event::SOURCE_ATTRIBUTES_NOT_SET:
      break;
  }
  return std::nullopt;
}

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_SOURCE_ATTRIBUTE_COLUMNS_H_
