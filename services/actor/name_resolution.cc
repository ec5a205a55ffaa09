#include "services/actor/name_resolution.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "common/status_macros.h"
#include "services/actor/name_normalizer.h"

namespace lookout::actor {

std::vector<NameToResolve> NamesToResolve(const v1::ResolveActorsRequest& request) {
  const v1::ActorType default_type = request.default_type() == v1::ACTOR_TYPE_UNSPECIFIED
                                         ? v1::ACTOR_TYPE_OTHER
                                         : request.default_type();
  std::vector<NameToResolve> names;
  names.reserve(request.names_size() + request.actors_size());
  for (const std::string& name : request.names()) {
    names.push_back({name, NormalizeName(name), default_type, request.default_country_code()});
  }
  for (const v1::ActorToResolve& actor : request.actors()) {
    names.push_back(
        {actor.name(), NormalizeName(actor.name()),
         actor.type() == v1::ACTOR_TYPE_UNSPECIFIED ? default_type : actor.type(),
         actor.country_code().empty() ? request.default_country_code() : actor.country_code()});
  }
  return names;
}

absl::StatusOr<absl::flat_hash_map<std::string, KeyMatch>> MatchKeys(
    ActorStore::Reader& tx, const std::vector<std::string>& keys) {
  absl::flat_hash_map<std::string, KeyMatch> matched;
  if (keys.empty()) return matched;
  LOOKOUT_ASSIGN_OR_RETURN(auto by_name, tx.FindIdsByNameKeys(keys));
  std::vector<std::string> rest;
  for (const std::string& key : keys) {
    auto it = by_name.find(key);
    if (it != by_name.end()) {
      matched[key] = {std::move(it->second), v1::RESOLUTION_MATCH_EXACT};
    } else {
      rest.push_back(key);
    }
  }
  if (rest.empty()) return matched;
  // An exact name always wins over an alias, so aliases are asked only for the rest.
  LOOKOUT_ASSIGN_OR_RETURN(auto by_alias, tx.FindIdsByAliasKeys(rest));
  for (auto& [key, id] : by_alias) matched[key] = {std::move(id), v1::RESOLUTION_MATCH_ALIAS};
  return matched;
}

std::vector<int> FirstEntriesOfMissingKeys(
    const std::vector<NameToResolve>& names,
    const absl::flat_hash_map<std::string, KeyMatch>& matched) {
  std::vector<int> first;
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    if (!matched.contains(names[i].key) && seen.insert(names[i].key).second) first.push_back(i);
  }
  std::sort(first.begin(), first.end(), [&](int a, int b) { return names[a].key < names[b].key; });
  return first;
}

}  // namespace lookout::actor
