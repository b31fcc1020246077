-- The console's sessions and its chain verifications (issue 27).
-- A session is known only by the SHA-256 of its id, so a copy of this table signs nobody in.
-- Instants are milliseconds since 1970 (UTC): the console only compares and shows them.
CREATE TABLE console_sessions (
    id_hash       BYTEA PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id       UUID NOT NULL,
    started_ms    BIGINT NOT NULL,
    last_seen_ms  BIGINT NOT NULL,
    ended_ms      BIGINT
);

-- One row per verification started from the console; finished_ms is NULL while it runs.
CREATE TABLE console_verifications (
    id                  BIGSERIAL PRIMARY KEY,
    started_by          TEXT NOT NULL,
    started_ms          BIGINT NOT NULL,
    finished_ms         BIGINT,
    ok                  BOOLEAN,
    events_checked      BIGINT,
    head                TEXT,
    first_bad_position  BIGINT,
    detail              TEXT
);
