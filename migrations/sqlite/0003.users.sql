-- People (and programs) allowed to call the API. Only SHA-256 of a token's secret is kept, so
-- a copy of this table lets nobody in. Users are revoked, never deleted: a name stays taken
-- because it is the actor recorded on every event the user caused.
CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL
        CHECK (role IN ('caseworker', 'finance', 'auditor', 'admin')),
    -- A JSON array of dotted area codes (any level); a caseworker acts only inside them.
    areas        TEXT NOT NULL CHECK (json_valid(areas) AND json_type(areas) = 'array'),
    token_hash   BLOB NOT NULL CHECK (length(token_hash) = 32),
    -- UTC, 'YYYY-MM-DDTHH:MM:SS.SSSZ', like the other tables.
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    CONSTRAINT users_name_unique UNIQUE (name)
);
