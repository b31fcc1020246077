-- A cell (CASEWORK_CELL): what the national reporting database receives besides the events
-- (API.md "National deployment"; the columns are the cell <-> national interface). The tables
-- exist in every store; a deployment that is not a cell leaves them empty.

-- Written by the first `casework migrate` of a cell; a process of another name is refused.
-- genesis is the chain's h_0: SHA-256("casework/cell/" || name), or 32 zero bytes when the
-- store already held events when it became a cell.
CREATE TABLE cell_identity (
    name         text        PRIMARY KEY,
    areas        text        NOT NULL,
    genesis      bytea       NOT NULL,
    recorded_at  timestamptz NOT NULL
);

-- Updated at least every 5 s while the cell's server or runner runs: the national side bounds
-- `as_of` by it and measures its lag against it.
CREATE TABLE cell_heartbeat (
    name           text        PRIMARY KEY,
    head_position  bigint      NOT NULL,
    head_hash      bytea       NOT NULL,
    beat_at        timestamptz NOT NULL
);

-- Keyed digests for matching across cells (CASEWORK_MATCHING_KEY), written in the same
-- transaction as the events: one row per active KK number, one per delivery.
CREATE TABLE kk_digests (
    digest     bytea PRIMARY KEY,
    family_id  uuid  NOT NULL
);
CREATE INDEX kk_digests_family ON kk_digests (family_id);

CREATE TABLE recipient_digests (
    delivery_id  uuid  PRIMARY KEY,
    digest       bytea NOT NULL,
    family_id    uuid  NOT NULL,
    program      text  NOT NULL,
    period       text  NOT NULL
);
CREATE INDEX recipient_digests_family ON recipient_digests (family_id);
