-- Who received what, linked across families by a keyed digest of the recipient's NIK (never
-- the NIK): finds one person given the same programme in the same period through two KKs.
-- A family's rows go when its personal data is erased.
CREATE TABLE recipient_members (
    family_id   TEXT   NOT NULL,
    member_no   INTEGER NOT NULL,
    nik_digest  TEXT,
    PRIMARY KEY (family_id, member_no)
);

CREATE TABLE recipient_deliveries (
    delivery_id        TEXT   PRIMARY KEY,
    family_id          TEXT   NOT NULL,
    funding_source_id  TEXT   NOT NULL,
    nik_digest         TEXT   NOT NULL,
    program            TEXT   NOT NULL,
    period             TEXT   NOT NULL,
    position           INTEGER NOT NULL,
    voided_position    INTEGER
);
CREATE INDEX recipient_deliveries_person ON recipient_deliveries (nik_digest, program, period);
CREATE INDEX recipient_deliveries_family ON recipient_deliveries (family_id);
