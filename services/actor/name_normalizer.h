// The matching key of an actor name: what ResolveActors and ListActors' query compare, so that
// "  Gouvernement d'HAÏTI " and "gouvernement d'haiti" are the same actor.
#ifndef LOOKOUT_SERVICES_ACTOR_NAME_NORMALIZER_H_
#define LOOKOUT_SERVICES_ACTOR_NAME_NORMALIZER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lookout::actor {

// Decodes UTF-8; folds the accented letters of Latin-1 Supplement and Latin Extended-A to ASCII
// (é -> e, ß -> ss, æ -> ae, œ -> oe), drops combining accents (so decomposed input matches
// precomposed), maps typographic quotes and dashes to their ASCII forms, lowercases, turns every
// run of whitespace into one space and trims both ends. Other characters (Arabic, Cyrillic...)
// pass through unchanged; bytes that are not valid UTF-8 pass through as they are.
std::string NormalizeName(absl::string_view name);

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_NAME_NORMALIZER_H_
