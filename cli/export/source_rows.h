// An event as a row of the format it may have come from (ACLED CSV, UCDP GED CSV, GDELT 2.0
// TSV): the columns in that format's order, written with its conventions, from the event's
// fields and its source attributes (source_attributes.proto). An event of another source, or
// entered by hand, gets the columns a mapping gives and empty ones where none exists.
#ifndef LOOKOUT_CLI_EXPORT_SOURCE_ROWS_H_
#define LOOKOUT_CLI_EXPORT_SOURCE_ROWS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lookout/actor/v1/actor.pb.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

enum class SourceFormat { kAcled, kUcdp, kGdelt };

// The actor of an id, or nullptr (deleted, unknown): its name is then written as the id.
using ActorFinder = std::function<const lookout::actor::v1::Actor*(const std::string& id)>;

// The format's column names in its order (GDELT's file has no header row; these are its
// codebook's names).
const std::vector<std::string>& SourceColumns(SourceFormat format);

// One field per column. nullopt when the format cannot hold the event: UCDP GED records
// organised violence only (battles, explosions, violence against civilians), and only in a
// country (an event at sea has no place in it). Events at sea are written in each format's own
// convention: ACLED's maritime hierarchy (country the basin, admin1-3 the region, body of water
// and sub-basin), GDELT's ocean features (FIPS "OS").
std::optional<std::vector<std::string>> SourceRow(SourceFormat format,
                                                  const lookout::event::v1::Event& event,
                                                  const ActorFinder& actors);

// Internal to the three writers.
std::optional<std::vector<std::string>> AcledRow(const lookout::event::v1::Event& event,
                                                 const ActorFinder& actors);
std::optional<std::vector<std::string>> UcdpRow(const lookout::event::v1::Event& event,
                                                const ActorFinder& actors);
std::optional<std::vector<std::string>> GdeltRow(const lookout::event::v1::Event& event,
                                                 const ActorFinder& actors);
extern const char* const kAcledColumns[31];
extern const char* const kUcdpColumns[43];

// Whether the event is at sea (location.maritime names a basin, and no country is set).
bool IsAtSea(const lookout::event::v1::Event& event);
// The shortest text that reads back as the same double ("2.02774813233724", "-7").
std::string FormatNumber(double value);
// The external id of `scheme`, or "".
std::string ExternalIdOf(const lookout::event::v1::Event& event, absl::string_view scheme);
// Names of the participants with `role`, in order.
std::vector<std::string> ParticipantNames(const lookout::event::v1::Event& event,
                                          lookout::event::v1::ParticipantRole role,
                                          const ActorFinder& actors);
// The first participant with one of the roles, or nullptr.
const lookout::event::v1::Participant* FirstParticipant(
    const lookout::event::v1::Event& event,
    std::initializer_list<lookout::event::v1::ParticipantRole> roles);
std::string ActorName(const std::string& actor_id, const ActorFinder& actors);
// The KILLED count, or nullptr.
const lookout::type::v1::Count* KilledCount(const lookout::event::v1::Event& event);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_EXPORT_SOURCE_ROWS_H_
