-- The funding-source list (GET /funding-sources), written by the `funding_sources` projection:
-- one row per source with its current figures, as its own representation shows them.
CREATE TABLE funding_source_list (
    funding_source_id  TEXT    PRIMARY KEY,
    code               TEXT    NOT NULL,
    kind               TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    sponsor            TEXT    NOT NULL,
    fiscal_year        INTEGER NOT NULL,
    area               TEXT    NOT NULL,
    programs           TEXT    NOT NULL,  -- a JSON array of programme names
    reference          TEXT    NOT NULL,
    budget_idr         INTEGER NOT NULL,
    received_idr       INTEGER NOT NULL,
    drawn_idr          INTEGER NOT NULL,  -- net of voids
    status             TEXT    NOT NULL,  -- open | closed
    version            INTEGER NOT NULL,
    position           INTEGER NOT NULL   -- of the source's last event
);
-- Listed by code; the id breaks ties, so a cursor (code, id) is exact.
CREATE INDEX funding_source_list_code ON funding_source_list (code, funding_source_id);
CREATE INDEX funding_source_list_year ON funding_source_list (fiscal_year, kind, code);

-- The funding ledger (GET /reconciliation…), written by the `funding_ledger` projection from
-- funding-source events alone (delivery dates aside): no names, NIKs or KK numbers anywhere.

-- Each source's fixed facts and its figures after its latest event.
CREATE TABLE funding_ledger_sources (
    funding_source_id    TEXT    PRIMARY KEY,
    code                 TEXT    NOT NULL,
    kind                 TEXT    NOT NULL,
    fiscal_year          INTEGER NOT NULL,
    area                 TEXT    NOT NULL,
    budget_idr           INTEGER NOT NULL,
    received_idr         INTEGER NOT NULL,
    drawn_idr            INTEGER NOT NULL,  -- net of voids
    voided_idr           INTEGER NOT NULL,
    deliveries           INTEGER NOT NULL,  -- not voided
    unreceived_since     INTEGER,           -- position since which drawn > received, or null
    over_received_since  INTEGER            -- position since which received > budget, or null
);
CREATE INDEX funding_ledger_sources_code ON funding_ledger_sources (code, funding_source_id);

-- One row per money-moving event (opened, budget-revised, received, drawn, reversed, closed)
-- with the source's figures after it, so the report as of position P reads, per source, its
-- last entry at or before P (and, per programme and period, the last draw or reversal).
CREATE TABLE funding_ledger_entries (
    position             INTEGER     PRIMARY KEY,
    recorded_at          TEXT        NOT NULL,  -- as stored: UTC ISO text with milliseconds
    funding_source_id    TEXT        NOT NULL,
    entry                TEXT        NOT NULL,
    -- the budget set, the amount received, the value drawn or returned (0 on closure)
    amount_idr           INTEGER     NOT NULL,
    delivery_id          TEXT,
    program              TEXT,
    period               TEXT,
    budget_idr           INTEGER     NOT NULL,
    received_idr         INTEGER     NOT NULL,
    drawn_idr            INTEGER     NOT NULL,
    voided_idr           INTEGER     NOT NULL,
    deliveries           INTEGER     NOT NULL,
    unreceived_since     INTEGER,
    over_received_since  INTEGER,
    program_deliveries   INTEGER,  -- after a draw or reversal: its programme and period's figures
    program_value_idr    INTEGER
);
CREATE INDEX funding_ledger_entries_source ON funding_ledger_entries (funding_source_id, position);
CREATE INDEX funding_ledger_entries_program
    ON funding_ledger_entries (funding_source_id, program, period, position)
    WHERE program IS NOT NULL;

-- The programmes and periods each source has paid for, with their current figures.
CREATE TABLE funding_ledger_programs (
    funding_source_id  TEXT    NOT NULL,
    program            TEXT    NOT NULL,
    period             TEXT    NOT NULL,
    deliveries         INTEGER NOT NULL,
    value_idr          INTEGER NOT NULL,
    PRIMARY KEY (funding_source_id, program, period)
);

-- Delivery line items, one per draw (GET /reconciliation/deliveries).
CREATE TABLE funding_ledger_deliveries (
    delivery_id        TEXT    PRIMARY KEY,
    position           INTEGER NOT NULL UNIQUE,  -- of the draw
    funding_source_id  TEXT    NOT NULL,
    family_id          TEXT    NOT NULL,
    area_code          TEXT    NOT NULL,
    program            TEXT    NOT NULL,
    period             TEXT    NOT NULL,
    value_idr          INTEGER NOT NULL,
    voided_position    INTEGER                   -- of the reversal, once voided
);
CREATE INDEX funding_ledger_deliveries_source
    ON funding_ledger_deliveries (funding_source_id, position);
CREATE INDEX funding_ledger_deliveries_period ON funding_ledger_deliveries (period, position);
CREATE INDEX funding_ledger_deliveries_program ON funding_ledger_deliveries (program, position);

-- When each delivery was handed over, from the family's AidDelivered (a date, not personal).
CREATE TABLE funding_ledger_delivery_dates (
    delivery_id   TEXT  PRIMARY KEY,
    delivered_on  TEXT  NOT NULL  -- YYYY-MM-DD
);
