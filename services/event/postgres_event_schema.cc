#include "services/event/postgres_event_schema.h"

namespace lookout::event {

// Text that is compared or ordered is COLLATE "C": byte order, as SQLite's, whatever the
// server's default collation, so both backends page through the same order.
const std::vector<Migration>& PostgresEventStoreMigrations() {
  static const std::vector<Migration>* const migrations = new std::vector<Migration>{
      {1, R"sql(
CREATE TABLE meta (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO meta (key, value) VALUES ('change_log_id', replace(gen_random_uuid()::text, '-', ''));

-- One row per event ever created; deleted ones stay (deleted) with their last state. The filter
-- columns are copies of fields of the event, kept for indexes.
CREATE TABLE events (
  id text COLLATE "C" PRIMARY KEY,
  event_day int8 NOT NULL,            -- days since 1970-01-01
  end_day int8 NOT NULL,              -- end_date, or event_day for one-day events
  country text COLLATE "C" NOT NULL,
  admin1 text COLLATE "C" NOT NULL,
  event_type int8 NOT NULL,
  sub_event_type text COLLATE "C" NOT NULL,
  fatalities int8 NOT NULL,
  lat float8,                         -- NULL without coordinates
  lon float8,
  deleted boolean NOT NULL DEFAULT false,
  sequence int8 NOT NULL,             -- of the last change
  -- The words of the notes as event_filter::TextWords makes them (the SQLite index's
  -- tokenizer), so both backends match the same events; NULL without notes.
  words tsvector,
  event bytea NOT NULL                -- lookout.event.v1.Event
);
CREATE INDEX events_live_by_day ON events (event_day, id, end_day) WHERE NOT deleted;
CREATE INDEX events_live_by_fatalities ON events (fatalities, id) WHERE NOT deleted;
CREATE INDEX events_live_by_country ON events (country, event_day, id, end_day) WHERE NOT deleted;
CREATE INDEX events_live_by_admin1 ON events (admin1, event_day, id, end_day) WHERE NOT deleted;
CREATE INDEX events_live_by_type ON events (event_type, event_day, id, end_day) WHERE NOT deleted;
CREATE INDEX events_live_by_lat ON events (lat) WHERE NOT deleted AND lat IS NOT NULL;
CREATE INDEX events_live_words ON events USING gin (words) WHERE NOT deleted;

-- Rows of live events only: a delete removes them, so filters never see deleted events.
CREATE TABLE event_actors (
  actor_id text COLLATE "C" NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (actor_id, event_id)
);
CREATE TABLE event_tags (
  tag text COLLATE "C" NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (tag, event_id)
);
-- The primary key makes an external id unique among live events, across replicas too.
CREATE TABLE event_external_ids (
  scheme text COLLATE "C" NOT NULL,
  value text COLLATE "C" NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (scheme, value)
);

-- The change log WatchEvents serves.
CREATE TABLE changes (
  sequence int8 PRIMARY KEY,
  event_id text COLLATE "C" NOT NULL,
  type int8 NOT NULL,
  event bytea NOT NULL                -- the state after the change
);
-- The newest sequence. A writer locks this row before its first change and holds it to its
-- commit, so sequences follow commit order across every replica: a reader that sees sequence
-- N committed sees every change below it, and none is committed later below the head.
CREATE TABLE change_head (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  sequence int8 NOT NULL
);
INSERT INTO change_head (sequence) VALUES (0);

CREATE TABLE request_ids (
  request_id text COLLATE "C" PRIMARY KEY,
  payload_hash text NOT NULL,
  event_id text NOT NULL,
  result bytea NOT NULL               -- the first response, returned again on a retry
);
)sql"},
  };
  return *migrations;
}

}  // namespace lookout::event
