-- People (and programs) allowed to call the API. Only SHA-256 of a token's secret is kept, so
-- a copy of this table lets nobody in. Users are revoked, never deleted: a name stays taken
-- because it is the actor recorded on every event the user caused.
CREATE TABLE users (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    role         text        NOT NULL
        CHECK (role IN ('caseworker', 'finance', 'auditor', 'admin')),
    -- Dotted area codes (any level); a caseworker acts only inside them.
    areas        text[]      NOT NULL,
    token_hash   bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CONSTRAINT users_name_unique UNIQUE (name)
);
