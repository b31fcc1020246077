-- Responses kept under an Idempotency-Key, per user. A write's row is inserted in the same
-- transaction as its events and holds what rebuilds the answer (resource, version, position,
-- warnings), not the body: the body carries personal data, which only the family key may hold.
-- Other answers (refusals, writes without events) keep their body, which carries none.
CREATE TABLE kept_responses (
    user_id           uuid        NOT NULL,
    idempotency_key   text        NOT NULL,
    request_hash      text        NOT NULL,
    status            integer     NOT NULL,
    resource_kind     text,
    resource_id       uuid,
    resource_version  bigint,
    position          bigint,
    warnings          text,
    body              bytea,
    headers           text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX kept_responses_created_at ON kept_responses (created_at);
