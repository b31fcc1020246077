-- Beside the cell's own read-model migrations (0005, 0006, 0011, applied first in the schema
-- `national_{cell}`): the recipients a cell's own `duplicate-recipient` finding reads, from
-- its replicated digests (the national side has no NIK and no lookup key; a voided delivery's
-- digest is deleted by the cell, so a void shows as its absence).
CREATE VIEW recipient_deliveries AS
SELECT d.delivery_id, d.family_id, l.funding_source_id, encode(d.digest, 'hex') AS nik_digest,
       d.program, d.period, l.position, l.voided_position
  FROM cell_{cell}.recipient_digests d
  JOIN funding_ledger_deliveries l ON l.delivery_id = d.delivery_id;
