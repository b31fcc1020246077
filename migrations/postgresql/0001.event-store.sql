-- The event store: append-only, one row per event, position assigned under the insert lock
-- (so positions are dense and commit order equals position order).
CREATE TABLE stored_events (
    position            bigint      PRIMARY KEY,
    originator_id       uuid        NOT NULL,
    originator_version  bigint      NOT NULL,
    topic               text        NOT NULL,
    state               bytea       NOT NULL,
    -- Set by the database while the insert lock is held; never decreases with position.
    recorded_at         timestamptz NOT NULL,
    -- h_n = SHA-256(h_(n-1) || b_n); see DESIGN.md "Tamper evidence".
    chain_hash          bytea       NOT NULL,
    CONSTRAINT stored_events_aggregate_version UNIQUE (originator_id, originator_version)
);

CREATE INDEX stored_events_recorded_at ON stored_events (recorded_at);

-- History is never rewritten, whoever asks: refuse row changes and TRUNCATE for every role.
CREATE FUNCTION casework_refuse_event_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stored events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER stored_events_no_update_delete
    BEFORE UPDATE OR DELETE ON stored_events
    FOR EACH ROW EXECUTE FUNCTION casework_refuse_event_rewrite();

CREATE TRIGGER stored_events_no_truncate
    BEFORE TRUNCATE ON stored_events
    FOR EACH STATEMENT EXECUTE FUNCTION casework_refuse_event_rewrite();
