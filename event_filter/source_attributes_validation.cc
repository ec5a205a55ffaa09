#include "event_filter/source_attributes_validation.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "event_filter/event_validation.h"

namespace lookout::event_filter {
namespace {

namespace v1 = ::lookout::event::v1;

std::string Path(absl::string_view prefix, absl::string_view field) {
  return absl::StrCat(prefix, ".", field);
}

absl::Status CheckRange(absl::string_view prefix, absl::string_view field, double value, double min,
                        double max) {
  // NaN fails both comparisons' negation: it is out of every range.
  if (std::isfinite(value) && value >= min && value <= max) return absl::OkStatus();
  return errors::InvalidField(Path(prefix, field),
                              absl::StrCat("must be between ", min, " and ", max, ", got ", value));
}

absl::Status CheckShort(absl::string_view prefix, absl::string_view field,
                        absl::string_view value) {
  return validation::CheckText(Path(prefix, field), value, validation::kMaxShortTextLength, false);
}

absl::Status CheckLong(absl::string_view prefix, absl::string_view field, absl::string_view value) {
  return validation::CheckText(Path(prefix, field), value, validation::kMaxNotesLength, false);
}

absl::Status ValidateAcled(const v1::AcledAttributes& a, absl::string_view at) {
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "disorder_type", a.disorder_type()));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "inter1", a.inter1(), 0, 8));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "inter2", a.inter2(), 0, 8));
  if (!IsAcledInteraction(a.interaction())) {
    return errors::InvalidField(
        Path(at, "interaction"),
        absl::StrCat("must be 0-88 with each digit an actor type code 0-8, got ", a.interaction()));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "region", a.region()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "admin3", a.admin3()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "country", a.country()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "source_scale", a.source_scale()));
  if (a.timestamp() < 0) {
    return errors::InvalidField(Path(at, "timestamp"),
                                absl::StrCat("must not be negative, got ", a.timestamp()));
  }
  return CheckRange(at, "assoc_actor_1_count", a.assoc_actor_1_count(), 0,
                    validation::kMaxRepeated);
}

absl::Status ValidateUcdp(const v1::UcdpAttributes& a, absl::string_view at) {
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "type_of_violence", a.type_of_violence(), 0, 3));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "year", a.year(), 0, 9999));
  for (auto [field, value] :
       {std::pair{"conflict_id", a.conflict_id()}, std::pair{"dyad_id", a.dyad_id()},
        std::pair{"side_a_id", a.side_a_id()}, std::pair{"side_b_id", a.side_b_id()},
        std::pair{"priogrid_gid", a.priogrid_gid()}}) {
    if (value < 0) {
      return errors::InvalidField(Path(at, field),
                                  absl::StrCat("must not be negative, got ", value));
    }
  }
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "conflict_name", a.conflict_name()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "dyad_name", a.dyad_name()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "gwnoa", a.gwnoa()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "gwnob", a.gwnob()));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "number_of_sources", a.number_of_sources(), -1, 1e6));
  LOOKOUT_RETURN_IF_ERROR(CheckLong(at, "source_article", a.source_article()));
  LOOKOUT_RETURN_IF_ERROR(CheckLong(at, "source_office", a.source_office()));
  LOOKOUT_RETURN_IF_ERROR(CheckLong(at, "source_date", a.source_date()));
  LOOKOUT_RETURN_IF_ERROR(CheckLong(at, "source_headline", a.source_headline()));
  LOOKOUT_RETURN_IF_ERROR(CheckLong(at, "source_original", a.source_original()));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "where_prec", a.where_prec(), 0, 7));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "date_prec", a.date_prec(), 0, 5));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "geom_wkt", a.geom_wkt()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "country", a.country()));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "country_id", a.country_id(), 0, 9999));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "region", a.region()));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "event_clarity", a.event_clarity(), 0, 2));
  for (auto [field, value] :
       {std::pair{"deaths_a", a.deaths_a()}, std::pair{"deaths_b", a.deaths_b()},
        std::pair{"deaths_civilians", a.deaths_civilians()},
        std::pair{"deaths_unknown", a.deaths_unknown()}}) {
    LOOKOUT_RETURN_IF_ERROR(
        CheckRange(at, field, static_cast<double>(value), 0, kMaxCasualtyCount));
  }
  return absl::OkStatus();
}

absl::Status ValidateGdeltActor(const v1::GdeltActor& a, absl::string_view at) {
  for (auto [field, value] :
       {std::pair{"code", &a.code()}, std::pair{"country_code", &a.country_code()},
        std::pair{"known_group_code", &a.known_group_code()},
        std::pair{"ethnic_code", &a.ethnic_code()},
        std::pair{"religion1_code", &a.religion1_code()},
        std::pair{"religion2_code", &a.religion2_code()}, std::pair{"type1_code", &a.type1_code()},
        std::pair{"type2_code", &a.type2_code()}, std::pair{"type3_code", &a.type3_code()}}) {
    LOOKOUT_RETURN_IF_ERROR(CheckShort(at, field, *value));
  }
  return absl::OkStatus();
}

absl::Status ValidateGdeltGeo(const v1::GdeltGeo& g, absl::string_view at) {
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "type", g.type(), 0, 5));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "full_name", g.full_name()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "country_code", g.country_code()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "adm1_code", g.adm1_code()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "adm2_code", g.adm2_code()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "feature_id", g.feature_id()));
  if (g.has_latitude()) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckLatitude(Path(at, "latitude"), g.latitude()));
  }
  if (g.has_longitude()) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckLongitude(Path(at, "longitude"), g.longitude()));
  }
  return absl::OkStatus();
}

absl::Status ValidateGdelt(const v1::GdeltAttributes& a, absl::string_view at) {
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "month_year", a.month_year(), 0, 999912));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "year", a.year(), 0, 9999));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "fraction_date", a.fraction_date(), 0, 10000));
  LOOKOUT_RETURN_IF_ERROR(ValidateGdeltActor(a.actor1(), Path(at, "actor1")));
  LOOKOUT_RETURN_IF_ERROR(ValidateGdeltActor(a.actor2(), Path(at, "actor2")));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "event_code", a.event_code()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "event_base_code", a.event_base_code()));
  LOOKOUT_RETURN_IF_ERROR(CheckShort(at, "event_root_code", a.event_root_code()));
  // 0 is "not given"; GDELT's four classes are 1-4.
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "quad_class", a.quad_class(), 0, 4));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "goldstein_scale", a.goldstein_scale(), -10, 10));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "num_mentions", a.num_mentions(), 0, 2147483647));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "num_sources", a.num_sources(), 0, 2147483647));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "num_articles", a.num_articles(), 0, 2147483647));
  LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "avg_tone", a.avg_tone(), -100, 100));
  LOOKOUT_RETURN_IF_ERROR(ValidateGdeltGeo(a.actor1_geo(), Path(at, "actor1_geo")));
  LOOKOUT_RETURN_IF_ERROR(ValidateGdeltGeo(a.actor2_geo(), Path(at, "actor2_geo")));
  LOOKOUT_RETURN_IF_ERROR(ValidateGdeltGeo(a.action_geo(), Path(at, "action_geo")));
  if (a.date_added() < 0 || a.date_added() > 99991231235959) {
    return errors::InvalidField(
        Path(at, "date_added"),
        absl::StrCat("must be written YYYYMMDDHHMMSS, got ", a.date_added()));
  }
  return absl::OkStatus();
}

absl::Status CheckNumberRange(const v1::NumberRange& range, absl::string_view at, double min,
                              double max) {
  if (range.has_min()) LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "min", range.min(), min, max));
  if (range.has_max()) LOOKOUT_RETURN_IF_ERROR(CheckRange(at, "max", range.max(), min, max));
  if (range.has_min() && range.has_max() && range.min() > range.max()) {
    return errors::InvalidField(Path(at, "min"), absl::StrCat("must not exceed max (", range.max(),
                                                              "), got ", range.min()));
  }
  return absl::OkStatus();
}

template <typename Repeated>
absl::Status CheckEntries(absl::string_view prefix, absl::string_view field,
                          const Repeated& values) {
  if (static_cast<size_t>(values.size()) > kMaxFilterValues) {
    return errors::InvalidField(Path(prefix, field), absl::StrCat("at most ", kMaxFilterValues,
                                                                  " entries, got ", values.size()));
  }
  return absl::OkStatus();
}

std::string Indexed(absl::string_view prefix, absl::string_view field, int index) {
  return absl::StrCat(prefix, ".", field, "[", index, "]");
}

}  // namespace

bool HasSourceAttributeFilter(const v1::EventFilter& filter) {
  return filter.goldstein_scale().has_min() || filter.goldstein_scale().has_max() ||
         filter.avg_tone().has_min() || filter.avg_tone().has_max() ||
         !filter.quad_classes().empty() || filter.min_num_mentions() > 0 ||
         filter.has_is_root_event() || !filter.disorder_types().empty() ||
         !filter.interactions().empty() || !filter.ucdp_conflict_ids().empty() ||
         !filter.ucdp_dyad_ids().empty();
}

bool IsAcledInteraction(int64_t code) { return code >= 0 && code <= 88 && code % 10 <= 8; }

absl::Status ValidateSourceAttributes(const v1::Event& event, absl::string_view prefix) {
  switch (event.source_attributes_case()) {
    case v1::Event::kAcled:
      return ValidateAcled(event.acled(), Path(prefix, "acled"));
    case v1::Event::kUcdp:
      return ValidateUcdp(event.ucdp(), Path(prefix, "ucdp"));
    case v1::Event::kGdelt:
      return ValidateGdelt(event.gdelt(), Path(prefix, "gdelt"));
    case v1::Event::SOURCE_ATTRIBUTES_NOT_SET:
      break;
  }
  return absl::OkStatus();
}

absl::Status ValidateSourceAttributeFilter(const v1::EventFilter& filter,
                                           absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(
      CheckNumberRange(filter.goldstein_scale(), Path(prefix, "goldstein_scale"), -10, 10));
  LOOKOUT_RETURN_IF_ERROR(CheckNumberRange(filter.avg_tone(), Path(prefix, "avg_tone"), -100, 100));
  LOOKOUT_RETURN_IF_ERROR(CheckEntries(prefix, "quad_classes", filter.quad_classes()));
  for (int i = 0; i < filter.quad_classes_size(); ++i) {
    if (filter.quad_classes(i) < 1 || filter.quad_classes(i) > 4) {
      return errors::InvalidField(Indexed(prefix, "quad_classes", i),
                                  absl::StrCat("must be 1-4, got ", filter.quad_classes(i)));
    }
  }
  if (filter.min_num_mentions() < 0) {
    return errors::InvalidField(
        Path(prefix, "min_num_mentions"),
        absl::StrCat("must not be negative, got ", filter.min_num_mentions()));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckEntries(prefix, "disorder_types", filter.disorder_types()));
  for (int i = 0; i < filter.disorder_types_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Indexed(prefix, "disorder_types", i),
                                                  filter.disorder_types(i),
                                                  validation::kMaxShortTextLength, true));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckEntries(prefix, "interactions", filter.interactions()));
  for (int i = 0; i < filter.interactions_size(); ++i) {
    if (!IsAcledInteraction(filter.interactions(i))) {
      return errors::InvalidField(
          Indexed(prefix, "interactions", i),
          absl::StrCat("must be 0-88 with each digit an actor type code 0-8, got ",
                       filter.interactions(i)));
    }
  }
  for (const char* field : {"ucdp_conflict_ids", "ucdp_dyad_ids"}) {
    const auto& ids = std::string_view(field) == "ucdp_conflict_ids" ? filter.ucdp_conflict_ids()
                                                                     : filter.ucdp_dyad_ids();
    LOOKOUT_RETURN_IF_ERROR(CheckEntries(prefix, field, ids));
    for (int i = 0; i < ids.size(); ++i) {
      if (ids[i] < 1) {
        return errors::InvalidField(Indexed(prefix, field, i),
                                    absl::StrCat("must be at least 1, got ", ids[i]));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace lookout::event_filter
