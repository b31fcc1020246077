-- One round trip where every event insert took three: take the insert lock, read the last
-- event, and announce the position the transaction will end at. The announcement is delivered
-- at COMMIT only, so no listener hears of an insert that rolled back. PostgreSQL only: SQLite
-- takes its write lock with BEGIN IMMEDIATE and has no listeners. The function runs with the
-- caller's rights (SECURITY INVOKER), so the lock needs exactly the privileges it needed before.
CREATE FUNCTION casework_begin_insert(new_events bigint)
RETURNS TABLE (last_position bigint, last_hash bytea, last_recorded_at timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE stored_events IN EXCLUSIVE MODE;
    SELECT e.position, e.chain_hash, e.recorded_at
      INTO last_position, last_hash, last_recorded_at
      FROM stored_events e ORDER BY e.position DESC LIMIT 1;
    PERFORM pg_notify('casework_events', (coalesce(last_position, 0) + new_events)::text);
    RETURN NEXT;
END;
$$;
