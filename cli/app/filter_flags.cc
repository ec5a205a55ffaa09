#include "cli/app/filter_flags.h"

#include <climits>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/app/enum_names.h"
#include "common/maritime_areas.h"
#include "common/status_macros.h"
#include "common/validation.h"

namespace lookout::cli {
namespace {

absl::Status CheckDateFlag(absl::string_view flag, absl::string_view value) {
  absl::StatusOr<int32_t> parsed = validation::ParseDate(value);
  if (parsed.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": \"", value, "\" ", parsed.status().message()));
}

// --min-goldstein, --max-goldstein, --min-tone, --max-tone: a number each.
absl::Status NumberBound(const Args& args, absl::string_view flag,
                         const std::function<void(double)>& set) {
  if (!args.Has(std::string(flag))) return absl::OkStatus();
  double value = 0;
  if (!absl::SimpleAtod(args.GetOr(std::string(flag), ""), &value)) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be a number"));
  }
  set(value);
  return absl::OkStatus();
}

// --quad-class 1,4 / --interaction 13,16 / --conflict-id / --dyad-id: whole numbers.
absl::Status WholeNumbers(const Args& args, absl::string_view flag,
                          const std::function<void(int64_t)>& add) {
  for (const std::string& text : args.GetList(std::string(flag))) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(text, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": \"", text, "\" is not a whole number"));
    }
    add(value);
  }
  return absl::OkStatus();
}

// The source attribute flags (EventFilter fields 11-19); the service checks their ranges.
absl::Status SourceAttributeFlags(const Args& args, event::v1::EventFilter* filter) {
  LOOKOUT_RETURN_IF_ERROR(NumberBound(
      args, "min-goldstein", [&](double v) { filter->mutable_goldstein_scale()->set_min(v); }));
  LOOKOUT_RETURN_IF_ERROR(NumberBound(
      args, "max-goldstein", [&](double v) { filter->mutable_goldstein_scale()->set_max(v); }));
  LOOKOUT_RETURN_IF_ERROR(
      NumberBound(args, "min-tone", [&](double v) { filter->mutable_avg_tone()->set_min(v); }));
  LOOKOUT_RETURN_IF_ERROR(
      NumberBound(args, "max-tone", [&](double v) { filter->mutable_avg_tone()->set_max(v); }));
  LOOKOUT_RETURN_IF_ERROR(WholeNumbers(
      args, "quad-class", [&](int64_t v) { filter->add_quad_classes(static_cast<int32_t>(v)); }));
  if (args.Has("min-mentions")) {
    int64_t min = 0;
    if (!absl::SimpleAtoi(args.GetOr("min-mentions", ""), &min) || min < 0 || min > INT32_MAX) {
      return absl::InvalidArgumentError("--min-mentions must be a whole number >= 0");
    }
    filter->set_min_num_mentions(static_cast<int32_t>(min));
  }
  if (args.Has("root-event")) {
    const std::string value = absl::AsciiStrToLower(args.GetOr("root-event", ""));
    if (value != "true" && value != "false") {
      return absl::InvalidArgumentError("--root-event must be true or false");
    }
    filter->set_is_root_event(value == "true");
  }
  // Disorder types contain spaces, and "Political violence; Demonstrations" no comma: one a flag.
  for (const std::string& type : args.GetList("disorder-type")) filter->add_disorder_types(type);
  LOOKOUT_RETURN_IF_ERROR(WholeNumbers(
      args, "interaction", [&](int64_t v) { filter->add_interactions(static_cast<int32_t>(v)); }));
  LOOKOUT_RETURN_IF_ERROR(
      WholeNumbers(args, "conflict-id", [&](int64_t v) { filter->add_ucdp_conflict_ids(v); }));
  LOOKOUT_RETURN_IF_ERROR(
      WholeNumbers(args, "dyad-id", [&](int64_t v) { filter->add_ucdp_dyad_ids(v); }));
  return absl::OkStatus();
}

}  // namespace

const std::vector<absl::string_view>& FilterFlagNames() {
  static const auto* names = new std::vector<absl::string_view>{
      "country",       "admin1",      "type",        "sub-type",   "actor",
      "from",          "to",          "min-fatalities", "text",    "bbox",
      "tag",           "basin",       "water",       "min-goldstein", "max-goldstein",
      "min-tone",      "max-tone",    "quad-class",  "min-mentions", "root-event",
      "disorder-type", "interaction", "conflict-id", "dyad-id"};
  return *names;
}

std::vector<absl::string_view> WithFlags(std::vector<absl::string_view> base,
                                         const std::vector<absl::string_view>& extra) {
  base.insert(base.end(), extra.begin(), extra.end());
  return base;
}

absl::StatusOr<event::v1::EventFilter> FilterFromArgs(const Args& args, bool allow_dates) {
  event::v1::EventFilter filter;
  for (const std::string& country : args.GetList("country")) {
    const std::string code = absl::AsciiStrToUpper(country);
    if (!validation::IsCountryCode(code)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--country: \"", country, "\" is not an ISO 3166-1 alpha-3 code (e.g. HTI)"));
    }
    filter.add_country_codes(code);
  }
  // Seas: a basin's documented name or a known body of water in any letter case, made exact.
  for (const std::string& basin : args.GetList("basin")) {
    std::optional<std::string> canonical = CanonicalMaritimeBasin(basin);
    if (!canonical) {
      return absl::InvalidArgumentError(absl::StrCat("--basin: \"", basin,
                                                     "\" is not a maritime basin; one of ",
                                                     MaritimeBasinsText()));
    }
    filter.add_maritime_basins(*canonical);
  }
  for (const std::string& water : args.GetList("water")) {
    std::optional<NamedWater> known = LookUpNamedWater(water);
    filter.add_bodies_of_water(known && !known->body_of_water.empty() ? known->body_of_water
                                                                      : water);
  }
  filter.set_admin1(args.GetOr("admin1", ""));
  for (const std::string& type : args.GetList("type")) {
    absl::StatusOr<int> value = ParseEnumFlag(event::v1::EventType_descriptor(), "type", type);
    if (!value.ok()) return value.status();
    filter.add_event_types(static_cast<event::v1::EventType>(*value));
  }
  // Sub-event types contain no commas but may contain spaces: one per flag.
  for (const std::string& sub : args.GetList("sub-type")) filter.add_sub_event_types(sub);
  filter.set_actor_id(args.GetOr("actor", ""));
  if (args.Has("from") || args.Has("to")) {
    if (!allow_dates) {
      return absl::InvalidArgumentError(
          "--from/--to do not apply here (use --end-date and "
          "--window)");
    }
    const std::string from = args.GetOr("from", "");
    const std::string to = args.GetOr("to", "");
    if (!from.empty()) {
      absl::Status status = CheckDateFlag("from", from);
      if (!status.ok()) return status;
    }
    if (!to.empty()) {
      absl::Status status = CheckDateFlag("to", to);
      if (!status.ok()) return status;
    }
    if (!from.empty() && !to.empty() && from > to) {
      return absl::InvalidArgumentError(absl::StrCat("--from ", from, " is after --to ", to));
    }
    filter.mutable_date_range()->set_start_date(from);
    filter.mutable_date_range()->set_end_date(to);
  }
  if (args.Has("min-fatalities")) {
    int64_t min = 0;
    if (!absl::SimpleAtoi(args.GetOr("min-fatalities", ""), &min) || min < 0) {
      return absl::InvalidArgumentError("--min-fatalities must be a whole number >= 0");
    }
    filter.set_min_fatalities(min);
  }
  filter.set_text(args.GetOr("text", ""));
  if (args.Has("bbox")) {
    std::vector<std::string> parts = absl::StrSplit(args.GetOr("bbox", ""), ',');
    double v[4];
    bool ok = parts.size() == 4;
    for (size_t i = 0; ok && i < 4; ++i) ok = absl::SimpleAtod(parts[i], &v[i]);
    if (!ok) {
      return absl::InvalidArgumentError(
          "--bbox must be min_lat,min_lon,max_lat,max_lon (e.g. 18.0,-73.0,19.0,-72.0)");
    }
    auto* box = filter.mutable_bbox();
    box->set_min_latitude(v[0]);
    box->set_min_longitude(v[1]);
    box->set_max_latitude(v[2]);
    box->set_max_longitude(v[3]);
  }
  for (const std::string& tag : args.GetList("tag")) filter.add_tags(tag);
  LOOKOUT_RETURN_IF_ERROR(SourceAttributeFlags(args, &filter));
  return filter;
}

bool ParseAsOf(const Args& args, int64_t* sequence, std::optional<absl::Time>* time) {
  *sequence = 0;
  time->reset();
  if (!args.Has("as-of")) return true;
  const std::string value = args.GetOr("as-of", "");
  if (absl::SimpleAtoi(value, sequence)) return *sequence >= 1;
  *sequence = 0;
  absl::Time parsed;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", value, absl::UTCTimeZone(), &parsed, &error)) {
    *time = parsed + absl::Hours(24) - absl::Nanoseconds(1);  // the end of that day
    return true;
  }
  if (absl::ParseTime(absl::RFC3339_full, value, &parsed, &error)) {
    *time = parsed;
    return true;
  }
  return false;
}

}  // namespace lookout::cli
