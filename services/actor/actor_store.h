// The storage the actor domain talks to. ActorManager holds every rule (uniqueness, existence,
// idempotency, etags); a store only keeps rows and answers queries, inside transactions, so a
// PostgreSQL backend can be added beside SqliteActorStore without touching the domain.
#ifndef LOOKOUT_SERVICES_ACTOR_ACTOR_STORE_H_
#define LOOKOUT_SERVICES_ACTOR_ACTOR_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/change_history.h"
#include "lookout/actor/v1/actor.pb.h"
#include "lookout/actor/v1/actor_service.pb.h"

namespace lookout::actor {

// An actor with the matching keys the domain derived from its name and aliases (see
// NormalizeName). The store indexes the keys; it never computes them.
struct StoredActor {
  v1::Actor actor;
  std::string name_key;
  // Distinct, and without name_key.
  std::vector<std::string> alias_keys;
};

// ListActors' filters; empty or zero means "any".
struct ActorFilter {
  v1::ActorType type = v1::ACTOR_TYPE_UNSPECIFIED;
  std::string country_code;
  // A normalized substring of the name key or of an alias key.
  std::string query_key;
};

// Actors are listed in (name_key, id) order; a page resumes after this position.
struct ActorPosition {
  std::string name_key;
  std::string id;
};

struct ListedActor {
  std::string name_key;
  v1::Actor actor;
};

// ListRelationships' filters; empty or zero means "any".
struct RelationshipFilter {
  // Subject or object.
  std::string actor_id;
  v1::RelationshipType type = v1::RELATIONSHIP_TYPE_UNSPECIFIED;
  // "YYYY-MM-DD": only relationships whose open-ended date range contains it.
  std::string as_of_date;
};

// What a create with a request_id produced, so a retry can return it again.
struct RequestRecord {
  std::string payload_hash;
  std::string result_id;
};

// One change of the change log (store version 2): what changed, its states before and after,
// and who made it. It shows in the history of `actor_id` and, for a relationship, of
// `other_actor_id` too.
struct ActorChange {
  enum class Kind { kActor = 0, kRelationship = 1 };

  int64_t sequence = 0;  // assigned by the store when recorded
  v1::ChangeType type = v1::CHANGE_TYPE_UNSPECIFIED;
  Kind kind = Kind::kActor;
  // The actor's or the relationship's id.
  std::string id;
  // The actor, or the relationship's subject; and the relationship's object ("" for an actor).
  std::string actor_id;
  std::string other_actor_id;
  // Serialized v1::Actor or v1::Relationship; "" for none (before a creation, after a deletion).
  std::string before;
  std::string after;
  ChangeAuthor author;
};

class ActorStore {
 public:
  // Reads inside one transaction: everything a Reader returns comes from one snapshot.
  class Reader {
   public:
    virtual ~Reader() = default;

    virtual absl::StatusOr<std::optional<v1::Actor>> GetActor(absl::string_view id) = 0;
    // The actor whose name has this key (names are unique by key).
    virtual absl::StatusOr<std::optional<std::string>> FindIdByNameKey(absl::string_view key) = 0;
    // The earliest created actor with an alias of this key (aliases may be shared).
    virtual absl::StatusOr<std::optional<std::string>> FindIdByAliasKey(absl::string_view key) = 0;
    // FindIdByNameKey and FindIdByAliasKey for many keys at once (ResolveActors' up to 1000):
    // each key that matches, with its actor's id; keys that match nothing are left out. A
    // PostgreSQL store answers in one statement each, since a round trip per key is what would
    // cost there; SQLite's in-process point reads cost microseconds, so it may go key by key.
    virtual absl::StatusOr<absl::flat_hash_map<std::string, std::string>> FindIdsByNameKeys(
        const std::vector<std::string>& keys) = 0;
    virtual absl::StatusOr<absl::flat_hash_map<std::string, std::string>> FindIdsByAliasKeys(
        const std::vector<std::string>& keys) = 0;
    // Whether any actor names this one as its parent.
    virtual absl::StatusOr<bool> HasChildren(absl::string_view id) = 0;
    // Up to `limit` actors matching `filter` after `after` (from the start when nullopt),
    // in (name_key, id) order.
    virtual absl::StatusOr<std::vector<ListedActor>> ListActors(
        const ActorFilter& filter, const std::optional<ActorPosition>& after, int limit) = 0;
    virtual absl::StatusOr<int64_t> CountActors(const ActorFilter& filter) = 0;

    virtual absl::StatusOr<std::optional<v1::Relationship>> GetRelationship(
        absl::string_view id) = 0;
    // Up to `limit` relationships matching `filter` with id > after_id, in id order.
    virtual absl::StatusOr<std::vector<v1::Relationship>> ListRelationships(
        const RelationshipFilter& filter, absl::string_view after_id, int limit) = 0;

    // `method` scopes request ids, so one id may serve CreateActor and CreateRelationship.
    virtual absl::StatusOr<std::optional<RequestRecord>> GetRequest(
        absl::string_view method, absl::string_view request_id) = 0;

    // Up to `limit` changes in the history of `actor_id` (its own and those of relationships it
    // is a side of) with a sequence below `before_sequence` (0: no bound), newest first.
    virtual absl::StatusOr<std::vector<ActorChange>> ActorChanges(absl::string_view actor_id,
                                                                  int64_t before_sequence,
                                                                  int limit) = 0;
  };

  // Reads and writes inside one transaction that commits when the function returns OK and is
  // undone when it returns an error.
  class Writer : public Reader {
   public:
    virtual absl::Status InsertActor(const StoredActor& actor) = 0;
    // InsertActor for each, in the order given, in a few statements whatever their number. A
    // unique name key is inserted in that order too, so two transactions given the same names
    // in one order (ResolveActors sorts by key) wait on each other rather than deadlock.
    virtual absl::Status InsertActors(const std::vector<StoredActor>& actors) = 0;
    // Replaces the actor with the same id, with its keys.
    virtual absl::Status UpdateActor(const StoredActor& actor) = 0;
    // Removes the actor and its keys; relationships are left to the caller.
    virtual absl::Status DeleteActor(absl::string_view id) = 0;

    virtual absl::Status InsertRelationship(const v1::Relationship& relationship) = 0;
    // false when there was no such relationship.
    virtual absl::StatusOr<bool> DeleteRelationship(absl::string_view id) = 0;
    // Removes every relationship the actor is the subject or the object of.
    virtual absl::Status DeleteRelationshipsOf(absl::string_view actor_id) = 0;

    virtual absl::Status RecordRequest(absl::string_view method, absl::string_view request_id,
                                       const RequestRecord& record) = 0;

    // Appends the changes to the change log in the order given, each with the next sequence
    // (their `sequence` is ignored), in a few statements whatever their number.
    virtual absl::Status RecordChanges(const std::vector<ActorChange>& changes) = 0;
  };

  virtual ~ActorStore() = default;

  virtual absl::Status Read(absl::FunctionRef<absl::Status(Reader&)> fn) = 0;
  // Returns once the transaction is durable (or undone, with fn's error).
  virtual absl::Status Write(absl::FunctionRef<absl::Status(Writer&)> fn) = 0;

  // The key of page-token MACs, persisted so tokens stay valid across restarts.
  virtual const std::string& page_token_secret() const = 0;
};

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_ACTOR_STORE_H_
