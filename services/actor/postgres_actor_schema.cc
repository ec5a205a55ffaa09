#include "services/actor/postgres_actor_schema.h"

namespace lookout::actor {
namespace {

// Version 1: the tables of SqliteActorStore's version 1, with the same meaning. Every text
// column is COLLATE "C", so comparing and ordering are by bytes as in SQLite whatever the
// server's default collation: the (name_key, id) order of ListActors, the id order of
// ListRelationships and the date comparisons come out the same on both backends.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE actors (
  seq bigint GENERATED ALWAYS AS IDENTITY NOT NULL,  -- creation order: ties between shared aliases
  id text COLLATE "C" PRIMARY KEY,
  -- NormalizeName(name). Unique: two replicas creating the same name at once make one actor
  -- (the loser's transaction fails with 23505 and runs again, finding the winner).
  name_key text COLLATE "C" NOT NULL UNIQUE,
  type bigint NOT NULL,
  country_code text COLLATE "C" NOT NULL,
  parent_id text COLLATE "C" NOT NULL,
  proto bytea NOT NULL
);
CREATE INDEX actors_by_parent ON actors (parent_id);

-- Every matching key of an actor: its name (is_alias false) and its aliases.
CREATE TABLE actor_names (
  name_key text COLLATE "C" NOT NULL,
  actor_id text COLLATE "C" NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
  is_alias boolean NOT NULL,
  PRIMARY KEY (name_key, actor_id)
);
CREATE INDEX actor_names_by_actor ON actor_names (actor_id);

-- No cascade: the domain decides what deleting an actor does to its relationships.
CREATE TABLE relationships (
  id text COLLATE "C" PRIMARY KEY,
  subject_id text COLLATE "C" NOT NULL REFERENCES actors (id),
  object_id text COLLATE "C" NOT NULL REFERENCES actors (id),
  type bigint NOT NULL,
  start_date text COLLATE "C" NOT NULL,  -- YYYY-MM-DD or '' (open); byte order is date order
  end_date text COLLATE "C" NOT NULL,
  proto bytea NOT NULL
);
CREATE INDEX relationships_by_subject ON relationships (subject_id, id);
CREATE INDEX relationships_by_object ON relationships (object_id, id);

CREATE TABLE request_ids (
  method text COLLATE "C" NOT NULL,
  request_id text COLLATE "C" NOT NULL,
  payload_hash text NOT NULL,
  result_id text NOT NULL,
  PRIMARY KEY (method, request_id)
);

-- Shared by every replica: the page-token secret, so a token one replica issued works on all.
CREATE TABLE meta (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
)sql";

// Version 2: the change log of SqliteActorStore's version 2, with the same meaning (issue 26).
// A sequence is taken when a row is inserted, not when its transaction commits, so a change may
// become visible after one with a higher number. Histories are read newest first and a page
// resumes below the last sequence shown, so such a change still shows on a later page or a
// later read; nothing follows this log live (unlike the event store's, see PITFALLS.md).
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE actor_changes (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type bigint NOT NULL,                         -- lookout.actor.v1.ChangeType
  kind bigint NOT NULL,                         -- 0 an actor, 1 a relationship
  entity_id text COLLATE "C" NOT NULL,          -- the actor's or the relationship's id
  actor_id text COLLATE "C" NOT NULL,           -- the actor, or the relationship's subject
  other_actor_id text COLLATE "C" NOT NULL,     -- the relationship's object; '' for an actor
  before bytea NOT NULL,                        -- serialized state before; '' for a creation
  after bytea NOT NULL,                         -- after; '' for a deletion
  principal text NOT NULL,
  request_id text NOT NULL,
  reason text NOT NULL,
  time_micros bigint NOT NULL
);
CREATE INDEX actor_changes_by_actor ON actor_changes (actor_id, sequence);
CREATE INDEX actor_changes_by_other_actor ON actor_changes (other_actor_id, sequence);
)sql";

}  // namespace

const std::vector<Migration>& PostgresActorMigrations() {
  static const auto* migrations = new std::vector<Migration>{{1, kSchemaV1}, {2, kSchemaV2}};
  return *migrations;
}

}  // namespace lookout::actor
