#include "services/event/event_schema.h"

namespace lookout::event {

const std::vector<Migration>& EventStoreMigrations() {
  static const std::vector<Migration>* const migrations = new std::vector<Migration>{
      {1, R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per event ever created; deleted ones stay (deleted = 1) with their last state.
-- The filter columns are copies of fields of the event blob, kept for indexes.
CREATE TABLE events (
  pk INTEGER PRIMARY KEY,             -- rowid, shared with events_fts
  id TEXT NOT NULL UNIQUE,
  event_day INTEGER NOT NULL,         -- days since 1970-01-01
  end_day INTEGER NOT NULL,           -- end_date, or event_day for one-day events
  country TEXT NOT NULL,
  admin1 TEXT NOT NULL,
  event_type INTEGER NOT NULL,
  sub_event_type TEXT NOT NULL,
  fatalities INTEGER NOT NULL,
  lat REAL,                           -- NULL without coordinates
  lon REAL,
  deleted INTEGER NOT NULL DEFAULT 0,
  sequence INTEGER NOT NULL,          -- of the last change
  event BLOB NOT NULL                 -- lookout.event.v1.Event
);
CREATE INDEX events_live_by_day ON events(event_day, id) WHERE deleted = 0;
CREATE INDEX events_live_by_fatalities ON events(fatalities, id) WHERE deleted = 0;
CREATE INDEX events_live_by_country ON events(country, event_day) WHERE deleted = 0;
CREATE INDEX events_live_by_admin1 ON events(admin1, event_day) WHERE deleted = 0;
CREATE INDEX events_live_by_type ON events(event_type, event_day) WHERE deleted = 0;
CREATE INDEX events_live_by_lat ON events(lat) WHERE deleted = 0 AND lat IS NOT NULL;

-- Rows of live events only: a delete removes them, so filters never see deleted events.
CREATE TABLE event_actors (
  actor_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (actor_id, event_id)
) WITHOUT ROWID;
CREATE INDEX event_actors_by_event ON event_actors(event_id);

CREATE TABLE event_tags (
  tag TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (tag, event_id)
) WITHOUT ROWID;
CREATE INDEX event_tags_by_event ON event_tags(event_id);

-- The primary key makes an external id unique among live events.
CREATE TABLE event_external_ids (
  scheme TEXT NOT NULL,
  value TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (scheme, value)
) WITHOUT ROWID;
CREATE INDEX event_external_ids_by_event ON event_external_ids(event_id);

-- Notes of live events, rowid = events.pk. Diacritics are folded so "Cite" finds "Cité".
CREATE VIRTUAL TABLE events_fts USING fts5(notes, tokenize = 'unicode61 remove_diacritics 2');

-- The change log WatchEvents serves. AUTOINCREMENT: a sequence is never reused.
CREATE TABLE changes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  type INTEGER NOT NULL,
  event BLOB NOT NULL                 -- the state after the change
);

CREATE TABLE request_ids (
  request_id TEXT PRIMARY KEY,
  payload_hash TEXT NOT NULL,
  event_id TEXT NOT NULL,
  result BLOB NOT NULL                -- the first response, returned again on a retry
) WITHOUT ROWID;
)sql"},
      // The date-ordered indexes carry id (the tie-break of every date order) and end_day (the
      // other half of the date-range test), so a page of a country's newest events walks one
      // index and stops after the page instead of sorting every match, and counting matches
      // never reads the table: 2 s -> 60 ms for a year of one country in a million events.
      {2, R"sql(
DROP INDEX events_live_by_day;
DROP INDEX events_live_by_country;
DROP INDEX events_live_by_admin1;
DROP INDEX events_live_by_type;
CREATE INDEX events_live_by_day ON events(event_day, id, end_day) WHERE deleted = 0;
CREATE INDEX events_live_by_country ON events(country, event_day, id, end_day) WHERE deleted = 0;
CREATE INDEX events_live_by_admin1 ON events(admin1, event_day, id, end_day) WHERE deleted = 0;
CREATE INDEX events_live_by_type ON events(event_type, event_day, id, end_day) WHERE deleted = 0;
)sql"},
      // Every index row of an event is now removed through the stored state of the event, so
      // the event_id indexes that found them (three inserts per create) are gone. The full-text
      // index keeps no copy of the notes (they are in the event blob already; the copy was
      // a tenth of the file) and no per-row sizes (nothing ranks by bm25): a contentless FTS5
      // table forgets a row only when told its old text, which the stored event supplies.
      {3, R"sql(
DROP INDEX event_actors_by_event;
DROP INDEX event_tags_by_event;
DROP INDEX event_external_ids_by_event;
CREATE VIRTUAL TABLE events_fts_v3 USING fts5(
  notes, content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO events_fts_v3 (rowid, notes) SELECT rowid, notes FROM events_fts;
DROP TABLE events_fts;
ALTER TABLE events_fts_v3 RENAME TO events_fts;
)sql"},
      // The change log's identity: sequences mean something only within one log, so a follower
      // or a cache that keeps a sequence keeps this id with it, and a recreated or restored
      // file (sequences starting again) is told apart. Created here for new and existing files
      // alike; random, so two files never share one.
      {4, R"sql(
INSERT OR IGNORE INTO meta (key, value) VALUES ('change_log_id', lower(hex(randomblob(16))));
)sql"},
      // ListEvents' total_size for a filter of countries and a date range (the situation
      // report's) was a count of the country's index rows up to the end date: 65 ms for a large
      // country at a million events, growing with the history. These counts of live events per
      // country, first day and last day (and under country '' for every country; no event has
      // that country, the code is required) answer it by summing rows of one country, at most
      // one per distinct (first day, last day) pair: bounded by the calendar, not by the
      // number of events. Triggers keep them in the transaction of every write, savepoints
      // included, so no write path can forget them; the rows of existing events are counted here.
      {5, R"sql(
CREATE TABLE event_day_counts (
  country TEXT NOT NULL,              -- '' counts every country
  event_day INTEGER NOT NULL,
  end_day INTEGER NOT NULL,
  live INTEGER NOT NULL,              -- live events with this country, event_day and end_day
  PRIMARY KEY (country, event_day, end_day)
) WITHOUT ROWID;
INSERT INTO event_day_counts (country, event_day, end_day, live)
  SELECT country, event_day, end_day, COUNT(*) FROM events WHERE deleted = 0
  GROUP BY country, event_day, end_day;
INSERT INTO event_day_counts (country, event_day, end_day, live)
  SELECT '', event_day, end_day, COUNT(*) FROM events WHERE deleted = 0
  GROUP BY event_day, end_day;
CREATE TRIGGER events_count_insert AFTER INSERT ON events WHEN NEW.deleted = 0 BEGIN
  INSERT INTO event_day_counts (country, event_day, end_day, live)
    VALUES (NEW.country, NEW.event_day, NEW.end_day, 1), ('', NEW.event_day, NEW.end_day, 1)
    ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = live + 1;
END;
-- An update that leaves country, days and liveness as they were changes no count.
CREATE TRIGGER events_count_update_old AFTER UPDATE OF country, event_day, end_day, deleted
  ON events
  WHEN OLD.deleted = 0 AND (NEW.deleted <> 0 OR NEW.country <> OLD.country OR
                            NEW.event_day <> OLD.event_day OR NEW.end_day <> OLD.end_day) BEGIN
  UPDATE event_day_counts SET live = live - 1
    WHERE country IN (OLD.country, '') AND event_day = OLD.event_day AND end_day = OLD.end_day;
END;
CREATE TRIGGER events_count_update_new AFTER UPDATE OF country, event_day, end_day, deleted
  ON events
  WHEN NEW.deleted = 0 AND (OLD.deleted <> 0 OR NEW.country <> OLD.country OR
                            NEW.event_day <> OLD.event_day OR NEW.end_day <> OLD.end_day) BEGIN
  INSERT INTO event_day_counts (country, event_day, end_day, live)
    VALUES (NEW.country, NEW.event_day, NEW.end_day, 1), ('', NEW.event_day, NEW.end_day, 1)
    ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER events_count_delete AFTER DELETE ON events WHEN OLD.deleted = 0 BEGIN
  UPDATE event_day_counts SET live = live - 1
    WHERE country IN (OLD.country, '') AND event_day = OLD.event_day AND end_day = OLD.end_day;
END;
)sql"},
      // The source attributes ListEvents filters on (EventFilter fields 11-19), one row per live
      // event carrying source attributes (source_attributes.proto), pk = events.pk; a column of
      // another source is NULL and never matches. A table of its own so an event without
      // attributes costs nothing and existing files need no rewrite: no event stored before
      // this version has attributes. Rows come and go with the other index rows.
      {6, R"sql(
CREATE TABLE event_source_attributes (
  pk INTEGER PRIMARY KEY,
  goldstein REAL,
  tone REAL,
  quad_class INTEGER,
  mentions INTEGER,
  root INTEGER,
  disorder_type TEXT,
  interaction INTEGER,
  conflict_id INTEGER,
  dyad_id INTEGER
);
)sql"},
      // Events at sea (a Location with maritime.basin instead of a country_code): their
      // country column is '' and these columns say where they are, so a basin or a body of
      // water filter walks its own index. Partial indexes (basin <> ''): country events, the
      // great majority, add no index rows; FilterCondition repeats the "<> ''" term so SQLite
      // may use them. Existing events are all country events and keep '' here.
      // event_day_counts: a sea event counts under '' (every event) and under no country. The
      // insert triggers wrote (NEW.country, ...) and ('', ...) in one VALUES list, which for
      // country '' would count the event twice under ''; they now write the country row only
      // for a country. The decrements (country IN (OLD.country, '')) already touch '' once.
      {7, R"sql(
ALTER TABLE events ADD COLUMN basin TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN water_body TEXT NOT NULL DEFAULT '';
CREATE INDEX events_live_by_basin ON events(basin, event_day, id, end_day)
  WHERE deleted = 0 AND basin <> '';
CREATE INDEX events_live_by_water_body ON events(water_body, event_day, id, end_day)
  WHERE deleted = 0 AND water_body <> '';
DROP TRIGGER events_count_insert;
DROP TRIGGER events_count_update_new;
CREATE TRIGGER events_count_insert AFTER INSERT ON events WHEN NEW.deleted = 0 BEGIN
  INSERT INTO event_day_counts (country, event_day, end_day, live)
    VALUES ('', NEW.event_day, NEW.end_day, 1)
    ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = live + 1;
  INSERT INTO event_day_counts (country, event_day, end_day, live)
    SELECT NEW.country, NEW.event_day, NEW.end_day, 1 WHERE NEW.country <> ''
    ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER events_count_update_new AFTER UPDATE OF country, event_day, end_day, deleted
  ON events
  WHEN NEW.deleted = 0 AND (OLD.deleted <> 0 OR NEW.country <> OLD.country OR
                            NEW.event_day <> OLD.event_day OR NEW.end_day <> OLD.end_day) BEGIN
  INSERT INTO event_day_counts (country, event_day, end_day, live)
    VALUES ('', NEW.event_day, NEW.end_day, 1)
    ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = live + 1;
  INSERT INTO event_day_counts (country, event_day, end_day, live)
    SELECT NEW.country, NEW.event_day, NEW.end_day, 1 WHERE NEW.country <> ''
    ON CONFLICT (country, event_day, end_day) DO UPDATE SET live = live + 1;
END;
)sql"},
      // Provenance (issue 26): who made each change (the gateway's principal), the call's request
      // id, the caller's reason and when, kept with the change; an index of each event's changes
      // for its history and as-of reads; and the compaction horizon (see CompactBefore).
      {8, R"sql(
ALTER TABLE changes ADD COLUMN principal TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN time_us INTEGER NOT NULL DEFAULT 0;
CREATE INDEX changes_by_event ON changes(event_id, sequence);
INSERT OR IGNORE INTO meta (key, value) VALUES ('history_horizon', '0');
)sql"},
      // Issue 21: a total still summed a country's day rows up to the end date, up to 31 a day
      // (one per span) over the whole history before the period. event_country_totals keeps
      // each country's live events and the longest span any of them has had (never lowered,
      // so it is a bound: an event ending on or after a period's start began no earlier than
      // the start less it). A total without dates reads one row, and one with a start date
      // walks the day rows of the period and that span before it only (DayCountStatement).
      {9, R"sql(
CREATE TABLE event_country_totals (
  country TEXT NOT NULL PRIMARY KEY,  -- '' counts every country
  live INTEGER NOT NULL,              -- live events with this country
  max_span INTEGER NOT NULL           -- >= end_day - event_day of each of them
) WITHOUT ROWID;
-- From the day counts (version 5 keeps them exact), a few rows per day, not from the events:
-- seconds less per million events in the upgrade.
INSERT INTO event_country_totals (country, live, max_span)
  SELECT country, SUM(live), COALESCE(MAX(CASE WHEN live > 0 THEN end_day - event_day END), 0)
  FROM event_day_counts GROUP BY country;
CREATE TRIGGER events_total_insert AFTER INSERT ON events WHEN NEW.deleted = 0 BEGIN
  INSERT INTO event_country_totals (country, live, max_span)
    VALUES ('', 1, NEW.end_day - NEW.event_day)
    ON CONFLICT (country) DO UPDATE
    SET live = live + 1, max_span = MAX(max_span, excluded.max_span);
  INSERT INTO event_country_totals (country, live, max_span)
    SELECT NEW.country, 1, NEW.end_day - NEW.event_day WHERE NEW.country <> ''
    ON CONFLICT (country) DO UPDATE
    SET live = live + 1, max_span = MAX(max_span, excluded.max_span);
END;
-- The same conditions as event_day_counts' triggers: a change of days moves nothing here but
-- may widen the span. A sea event (country '') counts under '' once and under no country, as in
-- event_day_counts (version 7).
CREATE TRIGGER events_total_update_old AFTER UPDATE OF country, event_day, end_day, deleted
  ON events
  WHEN OLD.deleted = 0 AND (NEW.deleted <> 0 OR NEW.country <> OLD.country OR
                            NEW.event_day <> OLD.event_day OR NEW.end_day <> OLD.end_day) BEGIN
  UPDATE event_country_totals SET live = live - 1 WHERE country IN (OLD.country, '');
END;
CREATE TRIGGER events_total_update_new AFTER UPDATE OF country, event_day, end_day, deleted
  ON events
  WHEN NEW.deleted = 0 AND (OLD.deleted <> 0 OR NEW.country <> OLD.country OR
                            NEW.event_day <> OLD.event_day OR NEW.end_day <> OLD.end_day) BEGIN
  INSERT INTO event_country_totals (country, live, max_span)
    VALUES ('', 1, NEW.end_day - NEW.event_day)
    ON CONFLICT (country) DO UPDATE
    SET live = live + 1, max_span = MAX(max_span, excluded.max_span);
  INSERT INTO event_country_totals (country, live, max_span)
    SELECT NEW.country, 1, NEW.end_day - NEW.event_day WHERE NEW.country <> ''
    ON CONFLICT (country) DO UPDATE
    SET live = live + 1, max_span = MAX(max_span, excluded.max_span);
END;
CREATE TRIGGER events_total_delete AFTER DELETE ON events WHEN OLD.deleted = 0 BEGIN
  UPDATE event_country_totals SET live = live - 1 WHERE country IN (OLD.country, '');
END;
)sql"},
  };
  return *migrations;
}

}  // namespace lookout::event
