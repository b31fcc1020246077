-- Snapshots: an aggregate's state at one version, so a long history loads as "latest snapshot
-- at or below the version asked for + the events after it". Derived data, not history: a row
-- may be replaced or deleted at any time (loads then replay more events), and `casework verify`
-- checks every row against a replay of the events it summarises. A family's personal data is
-- sealed under the family key inside `state`, as in its events, so erasure covers it too.
CREATE TABLE snapshots (
    aggregate_id  TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    topic         TEXT    NOT NULL,  -- the aggregate's topic, e.g. casework.family
    state         BLOB    NOT NULL,  -- msgspec JSON, personal part sealed
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (aggregate_id, version)
);
