-- One-off corrections of the store's data that `casework migrate` makes once, by name, after
-- the schema migrations (casework.commands.erasure_catch_up): a row here says it is done, so a
-- later migrate does not scan the events again.
CREATE TABLE data_fixes (
    name     text        PRIMARY KEY,
    done_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    detail   text        NOT NULL
);
