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
      // Live events per country, first day and last day (and under country '' for every
      // country), so ListEvents' total_size for countries and a date range is a sum over a
      // country's rows, bounded by the calendar rather than the history (event_schema.cc,
      // version 5, says why). Triggers keep them in the writing transaction: a batch INSERT of an
      // import adds its rows' counts in one statement.
      {2, R"sql(
CREATE TABLE event_day_counts (
  country text COLLATE "C" NOT NULL,  -- '' counts every country
  event_day int8 NOT NULL,
  end_day int8 NOT NULL,
  live int8 NOT NULL,                 -- live events with this country, event_day and end_day
  PRIMARY KEY (country, event_day, end_day)
);
INSERT INTO event_day_counts (country, event_day, end_day, live)
  SELECT COALESCE(country, ''), event_day, end_day, count(*) FROM events WHERE NOT deleted
  GROUP BY GROUPING SETS ((country, event_day, end_day), (event_day, end_day));
-- An INSERT (an import batch is one) adds its rows' counts in one statement; the grouping sets
-- give each country's rows and the '' rows, each key once.
CREATE FUNCTION event_day_counts_add() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO event_day_counts AS c (country, event_day, end_day, live)
    SELECT COALESCE(country, ''), event_day, end_day, count(*) FROM new_rows WHERE NOT deleted
    GROUP BY GROUPING SETS ((country, event_day, end_day), (event_day, end_day))
    ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = c.live + EXCLUDED.live;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER events_count_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION event_day_counts_add();
-- Updates and deletes change one row per statement: a row trigger, and only for a row whose
-- country, days or liveness changed (checked before any call, so a notes edit costs nothing; a
-- statement trigger cost 0.3 ms on every UPDATE).
CREATE FUNCTION event_day_counts_move() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' AND NOT OLD.deleted THEN
    UPDATE event_day_counts SET live = live - 1
      WHERE country IN (OLD.country, '') AND event_day = OLD.event_day AND end_day = OLD.end_day;
  END IF;
  IF TG_OP = 'UPDATE' AND NOT NEW.deleted THEN
    INSERT INTO event_day_counts AS c (country, event_day, end_day, live)
      VALUES (NEW.country, NEW.event_day, NEW.end_day, 1), ('', NEW.event_day, NEW.end_day, 1)
      ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = c.live + 1;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER events_count_update AFTER UPDATE OF country, event_day, end_day, deleted ON events
  FOR EACH ROW WHEN (OLD.deleted IS DISTINCT FROM NEW.deleted OR
                     OLD.country IS DISTINCT FROM NEW.country OR
                     OLD.event_day IS DISTINCT FROM NEW.event_day OR
                     OLD.end_day IS DISTINCT FROM NEW.end_day)
  EXECUTE FUNCTION event_day_counts_move();
CREATE TRIGGER events_count_delete AFTER DELETE ON events FOR EACH ROW WHEN (NOT OLD.deleted)
  EXECUTE FUNCTION event_day_counts_move();
)sql"},
      // The source attributes ListEvents filters on (EventFilter fields 11-19), one row per live
      // event carrying source attributes (source_attributes.proto); a column of another source
      // is NULL and never matches. As SQLite's schema v6: no event stored before has attributes.
      {3, R"sql(
CREATE TABLE event_source_attributes (
  event_id text COLLATE "C" PRIMARY KEY,
  goldstein float8,
  tone float8,
  quad_class int8,
  mentions int8,
  root int8,
  disorder_type text COLLATE "C",
  interaction int8,
  conflict_id int8,
  dyad_id int8
);
)sql"},
      // Events at sea: their country is '' and basin / water_body say where they are (see
      // event_schema.cc, version 7). The count triggers wrote a '' row and a country row for
      // each event, which for a sea event (country '') is the same key twice: a batch INSERT
      // would fail ("cannot affect row a second time") and an update would count it twice.
      // They now write a country row only for a country.
      {4, R"sql(
ALTER TABLE events ADD COLUMN basin text COLLATE "C" NOT NULL DEFAULT '',
  ADD COLUMN water_body text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX events_live_by_basin ON events (basin, event_day, id, end_day)
  WHERE NOT deleted AND basin <> '';
CREATE INDEX events_live_by_water_body ON events (water_body, event_day, id, end_day)
  WHERE NOT deleted AND water_body <> '';
CREATE OR REPLACE FUNCTION event_day_counts_add() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO event_day_counts AS c (country, event_day, end_day, live)
    SELECT country, event_day, end_day, count(*) FROM new_rows
      WHERE NOT deleted AND country <> '' GROUP BY country, event_day, end_day
    UNION ALL
    SELECT '', event_day, end_day, count(*) FROM new_rows WHERE NOT deleted
      GROUP BY event_day, end_day
    ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = c.live + EXCLUDED.live;
  RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION event_day_counts_move() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' AND NOT OLD.deleted THEN
    UPDATE event_day_counts SET live = live - 1
      WHERE country IN (OLD.country, '') AND event_day = OLD.event_day AND end_day = OLD.end_day;
  END IF;
  IF TG_OP = 'UPDATE' AND NOT NEW.deleted THEN
    INSERT INTO event_day_counts AS c (country, event_day, end_day, live)
      VALUES ('', NEW.event_day, NEW.end_day, 1)
      ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = c.live + 1;
    IF NEW.country <> '' THEN
      INSERT INTO event_day_counts AS c (country, event_day, end_day, live)
        VALUES (NEW.country, NEW.event_day, NEW.end_day, 1)
        ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = c.live + 1;
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;
)sql"},
      // Provenance (issue 26), as SQLite's migration 8: who, which request, why and when for
      // each change, an index of each event's changes, and the compaction horizon.
      {5, R"sql(
ALTER TABLE changes ADD COLUMN principal text NOT NULL DEFAULT '',
  ADD COLUMN request_id text NOT NULL DEFAULT '',
  ADD COLUMN reason text NOT NULL DEFAULT '',
  ADD COLUMN time_us int8 NOT NULL DEFAULT 0;
CREATE INDEX changes_by_event ON changes (event_id, sequence);
INSERT INTO meta (key, value) VALUES ('history_horizon', '0') ON CONFLICT DO NOTHING;
)sql"},
      // Issue 21: each country's live events and the longest span any of them has had (never
      // lowered, so a bound), as SQLite's migration 9 keeps them: a total without dates reads
      // one row, one with a start date walks only the day rows of the period and that span
      // before it.
      {6, R"sql(
CREATE TABLE event_country_totals (
  country text COLLATE "C" NOT NULL PRIMARY KEY,  -- '' counts every country
  live int8 NOT NULL,                             -- live events with this country
  max_span int8 NOT NULL                          -- >= end_day - event_day of each of them
);
-- From the day counts (version 2 keeps them exact), not from the events.
INSERT INTO event_country_totals (country, live, max_span)
  SELECT country, sum(live), COALESCE(max(end_day - event_day) FILTER (WHERE live > 0), 0)
  FROM event_day_counts GROUP BY country;
CREATE FUNCTION event_country_totals_add() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  -- A sea event (country '') counts under '' once, as in event_day_counts (version 4).
  INSERT INTO event_country_totals AS t (country, live, max_span)
    SELECT country, count(*), max(end_day - event_day) FROM new_rows
      WHERE NOT deleted AND country <> '' GROUP BY country
    UNION ALL
    SELECT '', count(*), max(end_day - event_day) FROM new_rows
      WHERE NOT deleted HAVING count(*) > 0
    ON CONFLICT (country) DO UPDATE
    SET live = t.live + EXCLUDED.live, max_span = GREATEST(t.max_span, EXCLUDED.max_span);
  RETURN NULL;
END
$fn$;
CREATE TRIGGER events_total_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION event_country_totals_add();
CREATE FUNCTION event_country_totals_move() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' AND NOT OLD.deleted THEN
    UPDATE event_country_totals SET live = live - 1 WHERE country IN (OLD.country, '');
  END IF;
  IF TG_OP = 'UPDATE' AND NOT NEW.deleted THEN
    INSERT INTO event_country_totals AS t (country, live, max_span)
      VALUES ('', 1, NEW.end_day - NEW.event_day)
      ON CONFLICT (country) DO UPDATE
      SET live = t.live + 1, max_span = GREATEST(t.max_span, EXCLUDED.max_span);
    IF NEW.country <> '' THEN
      INSERT INTO event_country_totals AS t (country, live, max_span)
        VALUES (NEW.country, 1, NEW.end_day - NEW.event_day)
        ON CONFLICT (country) DO UPDATE
        SET live = t.live + 1, max_span = GREATEST(t.max_span, EXCLUDED.max_span);
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER events_total_update AFTER UPDATE OF country, event_day, end_day, deleted ON events
  FOR EACH ROW WHEN (OLD.deleted IS DISTINCT FROM NEW.deleted OR
                     OLD.country IS DISTINCT FROM NEW.country OR
                     OLD.event_day IS DISTINCT FROM NEW.event_day OR
                     OLD.end_day IS DISTINCT FROM NEW.end_day)
  EXECUTE FUNCTION event_country_totals_move();
CREATE TRIGGER events_total_delete AFTER DELETE ON events FOR EACH ROW WHEN (NOT OLD.deleted)
  EXECUTE FUNCTION event_country_totals_move();
)sql"},
  };
  return *migrations;
}

}  // namespace lookout::event
