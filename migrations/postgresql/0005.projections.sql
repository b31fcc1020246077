-- How far each projection has processed the store. Its row is updated in the same
-- transaction as the read-model writes of a batch, and locked (FOR UPDATE) by that batch, so
-- two runners of one projection take turns instead of processing an event twice.
CREATE TABLE projection_tracking (
    name        text        PRIMARY KEY,
    position    bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The audit trail: every stored event once, in position order, with no personal data.
CREATE TABLE audit_trail (
    position        bigint      PRIMARY KEY,
    recorded_at     timestamptz NOT NULL,
    actor           text        NOT NULL,
    aggregate_type  text        NOT NULL,
    aggregate_id    uuid        NOT NULL,
    version         bigint      NOT NULL,
    type            text        NOT NULL,
    summary         text        NOT NULL,
    request_id      text        NOT NULL
);
CREATE INDEX audit_trail_aggregate ON audit_trail (aggregate_id, position);
CREATE INDEX audit_trail_recorded_at ON audit_trail (recorded_at);
CREATE INDEX audit_trail_actor ON audit_trail (actor, position);
