-- Unique claims (active KK numbers by HMAC, delivery ids, funding-source and UPPKA codes),
-- written in the same transaction as the events that take or release them.
CREATE TABLE unique_claims (
    scope      text NOT NULL,
    claim_key  text NOT NULL,
    owner_id   uuid NOT NULL,
    PRIMARY KEY (scope, claim_key)
);

-- One data key per family, wrapped by the master key. Erasure destroys wrapped_key and
-- keeps the row, so the family can never be given a fresh key again.
CREATE TABLE family_keys (
    family_id    uuid        PRIMARY KEY,
    wrapped_key  bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    erased_at    timestamptz
);

-- A fingerprint of the master key, so a wrong key is refused before it writes anything.
CREATE TABLE master_key_check (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    fingerprint  text    NOT NULL
);
