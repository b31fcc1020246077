-- A fingerprint of CASEWORK_MATCHING_KEY (see migrations/postgresql/0014a).
CREATE TABLE matching_key_check (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    fingerprint  TEXT    NOT NULL
);
