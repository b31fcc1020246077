-- The national reporting database's own tables, in the schema `national` (issue 24). Each
-- followed cell also has two schemas of its own: `cell_<name>`, its replicated copy (the
-- tables its publications list, matched by schema-qualified name), and `national_<name>`, the
-- national read models built from that copy, with their positions (see per-cell/).

-- The cells followed (or once followed: a removed cell keeps its copy, read-only).
CREATE TABLE cells (
    name       text        PRIMARY KEY CHECK (name ~ '^[a-z0-9_]+$'),
    added_at   timestamptz NOT NULL DEFAULT now(),
    following  boolean     NOT NULL DEFAULT true
);

-- The chain as `national run` has checked it on arrival: every replicated event's hash
-- recomputed from the one before it, from the cell's genesis. `gap_seen_at`: since when the
-- copy has held a later event but not the next one (a gap is waited for, then reported).
CREATE TABLE chain_heads (
    cell         text        PRIMARY KEY REFERENCES cells (name) ON DELETE CASCADE,
    position     bigint      NOT NULL DEFAULT 0,
    head_hash    bytea       NOT NULL,
    checked_at   timestamptz NOT NULL DEFAULT now(),
    gap_seen_at  timestamptz
);

-- A cell's copy found broken (an event missing, a byte changed): reported, never skipped.
-- The read models stop before it until `national resync` subscribes again from the start.
CREATE TABLE chain_breaks (
    cell                text        PRIMARY KEY REFERENCES cells (name) ON DELETE CASCADE,
    first_bad_position  bigint      NOT NULL,
    detail              text        NOT NULL,
    found_by            text        NOT NULL CHECK (found_by IN ('run', 'verify')),
    found_at            timestamptz NOT NULL DEFAULT now()
);

-- Every `national verify` of every cell's whole copy, kept.
CREATE TABLE verifications (
    id                  bigserial   PRIMARY KEY,
    cell                text        NOT NULL REFERENCES cells (name) ON DELETE CASCADE,
    verified_at         timestamptz NOT NULL DEFAULT now(),
    ok                  boolean     NOT NULL,
    events_checked      bigint      NOT NULL,
    head_hash           bytea       NOT NULL,
    first_bad_position  bigint,
    detail              text        NOT NULL
);
CREATE INDEX verifications_cell ON verifications (cell, id);

-- NOTIFY does not replicate: the copies' stored_events carry a row trigger, enabled ALWAYS
-- (the apply worker runs as a replica, so ordinary triggers do not fire for it), that wakes
-- `national run`. A transaction's identical notifications are sent once.
CREATE FUNCTION wake_national_runner() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('casework_national', TG_TABLE_SCHEMA);
    RETURN NULL;
END;
$$;

-- The copies are written by replication only: a local session's change is refused. The
-- trigger is an ordinary (origin) one, so the apply worker, a replica, never fires it.
CREATE FUNCTION refuse_copy_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a cell''s replicated copy is written by replication only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
