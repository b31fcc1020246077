-- Unique claims (active KK numbers by HMAC, delivery ids, funding-source and UPPKA codes),
-- written in the same transaction as the events that take or release them.
CREATE TABLE unique_claims (
    scope      TEXT NOT NULL,
    claim_key  TEXT NOT NULL,
    owner_id   TEXT NOT NULL,
    PRIMARY KEY (scope, claim_key)
);

-- One data key per family, wrapped by the master key. Erasure destroys wrapped_key and
-- keeps the row, so the family can never be given a fresh key again.
CREATE TABLE family_keys (
    family_id    TEXT PRIMARY KEY,
    wrapped_key  BLOB,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    erased_at    TEXT
);

CREATE TABLE master_key_check (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    fingerprint  TEXT    NOT NULL
);
