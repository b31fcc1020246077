-- A cell (CASEWORK_CELL): the same tables as on PostgreSQL (see migrations/postgresql/0014).
-- A cell on SQLite keeps its identity, genesis and digests but cannot publish them.
CREATE TABLE cell_identity (
    name         TEXT PRIMARY KEY,
    areas        TEXT NOT NULL,
    genesis      BLOB NOT NULL,
    recorded_at  TEXT NOT NULL
);

CREATE TABLE cell_heartbeat (
    name           TEXT    PRIMARY KEY,
    head_position  INTEGER NOT NULL,
    head_hash      BLOB    NOT NULL,
    beat_at        TEXT    NOT NULL
);

CREATE TABLE kk_digests (
    digest     BLOB PRIMARY KEY,
    family_id  TEXT NOT NULL
);
CREATE INDEX kk_digests_family ON kk_digests (family_id);

CREATE TABLE recipient_digests (
    delivery_id  TEXT PRIMARY KEY,
    digest       BLOB NOT NULL,
    family_id    TEXT NOT NULL,
    program      TEXT NOT NULL,
    period       TEXT NOT NULL
);
CREATE INDEX recipient_digests_family ON recipient_digests (family_id);
