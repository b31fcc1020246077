-- How far each projection has processed the store. Its row is updated in the same
-- transaction as the read-model writes of a batch (BEGIN IMMEDIATE on SQLite), so two runners
-- of one projection take turns instead of processing an event twice.
CREATE TABLE projection_tracking (
    name        TEXT    PRIMARY KEY,
    position    INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The audit trail: every stored event once, in position order, with no personal data.
CREATE TABLE audit_trail (
    position        INTEGER PRIMARY KEY,
    recorded_at     TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    aggregate_type  TEXT    NOT NULL,
    aggregate_id    TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    type            TEXT    NOT NULL,
    summary         TEXT    NOT NULL,
    request_id      TEXT    NOT NULL
);
CREATE INDEX audit_trail_aggregate ON audit_trail (aggregate_id, position);
CREATE INDEX audit_trail_recorded_at ON audit_trail (recorded_at);
CREATE INDEX audit_trail_actor ON audit_trail (actor, position);
