-- Responses kept under an Idempotency-Key, per user. A write's row is inserted in the same
-- transaction as its events and holds what rebuilds the answer (resource, version, position,
-- warnings), not the body: the body carries personal data, which only the family key may hold.
-- Other answers (refusals, writes without events) keep their body, which carries none.
CREATE TABLE kept_responses (
    user_id           TEXT    NOT NULL,
    idempotency_key   TEXT    NOT NULL,
    request_hash      TEXT    NOT NULL,
    status            INTEGER NOT NULL,
    resource_kind     TEXT,
    resource_id       TEXT,
    resource_version  INTEGER,
    position          INTEGER,
    warnings          TEXT,
    body              BLOB,
    headers           TEXT,
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX kept_responses_created_at ON kept_responses (created_at);
