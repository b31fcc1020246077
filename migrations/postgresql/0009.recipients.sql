-- Who received what, linked across families by a keyed digest of the recipient's NIK (never
-- the NIK): finds one person given the same programme in the same period through two KKs.
-- A family's rows go when its personal data is erased.
CREATE TABLE recipient_members (
    family_id   uuid   NOT NULL,
    member_no   bigint NOT NULL,
    nik_digest  text,
    PRIMARY KEY (family_id, member_no)
);

CREATE TABLE recipient_deliveries (
    delivery_id        uuid   PRIMARY KEY,
    family_id          uuid   NOT NULL,
    funding_source_id  uuid   NOT NULL,
    nik_digest         text   NOT NULL,
    program            text   NOT NULL,
    period             text   NOT NULL,
    position           bigint NOT NULL,
    voided_position    bigint
);
CREATE INDEX recipient_deliveries_person ON recipient_deliveries (nik_digest, program, period);
CREATE INDEX recipient_deliveries_family ON recipient_deliveries (family_id);
