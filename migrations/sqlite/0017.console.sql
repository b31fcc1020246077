-- The console's sessions and its chain verifications (issue 27).
-- A session is known only by the SHA-256 of its id, so a copy of this table signs nobody in.
-- Instants are milliseconds since 1970 (UTC): the console only compares and shows them.
CREATE TABLE console_sessions (
    id_hash       BLOB PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id       TEXT NOT NULL,
    started_ms    INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    ended_ms      INTEGER
);

-- One row per verification started from the console; finished_ms is NULL while it runs.
CREATE TABLE console_verifications (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    started_by          TEXT NOT NULL,
    started_ms          INTEGER NOT NULL,
    finished_ms         INTEGER,
    ok                  INTEGER,
    events_checked      INTEGER,
    head                TEXT,
    first_bad_position  INTEGER,
    detail              TEXT
);
