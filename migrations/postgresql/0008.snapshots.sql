-- Snapshots: an aggregate's state at one version, so a long history loads as "latest snapshot
-- at or below the version asked for + the events after it". Derived data, not history: a row
-- may be replaced or deleted at any time (loads then replay more events), and `casework verify`
-- checks every row against a replay of the events it summarises. A family's personal data is
-- sealed under the family key inside `state`, as in its events, so erasure covers it too.
CREATE TABLE snapshots (
    aggregate_id  uuid        NOT NULL,
    version       bigint      NOT NULL,
    topic         text        NOT NULL,  -- the aggregate's topic, e.g. casework.family
    state         bytea       NOT NULL,  -- msgspec JSON, personal part sealed
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_id, version)
);
