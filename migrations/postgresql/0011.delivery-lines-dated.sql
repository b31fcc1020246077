-- A delivery line holds its own date. The date comes from the family's AidDelivered, stored
-- just before the draw in the same transaction, so the funding ledger mostly sees both in one
-- batch and writes the line whole. A date kept in a table of its own cost every delivery a
-- second row and a second index on a random id, and every page of lines a join.
-- `funding_ledger_delivery_dates` stays for the rare date and draw that fall on either side of
-- a batch's end: the date is kept there and copied onto the line by whichever comes second.
-- The dates already on their lines are deleted from it.
ALTER TABLE funding_ledger_deliveries ADD COLUMN delivered_on date;

UPDATE funding_ledger_deliveries AS d SET delivered_on = t.delivered_on
  FROM funding_ledger_delivery_dates AS t
 WHERE t.delivery_id = d.delivery_id;

DELETE FROM funding_ledger_delivery_dates AS t
 USING funding_ledger_deliveries AS d
 WHERE d.delivery_id = t.delivery_id;
