-- The event store: append-only, one row per event, position assigned under the insert lock
-- (BEGIN IMMEDIATE), so positions are dense and commit order equals position order.
CREATE TABLE stored_events (
    position            INTEGER PRIMARY KEY,
    originator_id       TEXT    NOT NULL,
    originator_version  INTEGER NOT NULL,
    topic               TEXT    NOT NULL,
    state               BLOB    NOT NULL,
    -- UTC, 'YYYY-MM-DDTHH:MM:SS.SSSZ', set by the database; never decreases with position.
    recorded_at         TEXT    NOT NULL,
    chain_hash          BLOB    NOT NULL,
    CONSTRAINT stored_events_aggregate_version UNIQUE (originator_id, originator_version)
);

CREATE INDEX stored_events_recorded_at ON stored_events (recorded_at);

CREATE TRIGGER stored_events_no_update BEFORE UPDATE ON stored_events
BEGIN
    SELECT RAISE(ABORT, 'stored events are append-only: UPDATE refused');
END;

CREATE TRIGGER stored_events_no_delete BEFORE DELETE ON stored_events
BEGIN
    SELECT RAISE(ABORT, 'stored events are append-only: DELETE refused');
END;
