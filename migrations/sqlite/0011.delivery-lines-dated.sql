-- A delivery line holds its own date (see the PostgreSQL migration of the same name: the date
-- table stays for a date and a draw on either side of a batch's end).
ALTER TABLE funding_ledger_deliveries ADD COLUMN delivered_on TEXT;  -- YYYY-MM-DD

UPDATE funding_ledger_deliveries
   SET delivered_on = (SELECT t.delivered_on FROM funding_ledger_delivery_dates AS t
                        WHERE t.delivery_id = funding_ledger_deliveries.delivery_id);

DELETE FROM funding_ledger_delivery_dates
 WHERE delivery_id IN (SELECT delivery_id FROM funding_ledger_deliveries);
