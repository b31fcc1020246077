-- The funding-source list (GET /funding-sources), written by the `funding_sources` projection:
-- one row per source with its current figures, as its own representation shows them.
CREATE TABLE funding_source_list (
    funding_source_id  uuid    PRIMARY KEY,
    code               text    NOT NULL,
    kind               text    NOT NULL,
    name               text    NOT NULL,
    sponsor            text    NOT NULL,
    fiscal_year        integer NOT NULL,
    area               text    NOT NULL,
    programs           text    NOT NULL,  -- a JSON array of programme names
    reference          text    NOT NULL,
    budget_idr         bigint  NOT NULL,
    received_idr       bigint  NOT NULL,
    drawn_idr          bigint  NOT NULL,  -- net of voids
    status             text    NOT NULL,  -- open | closed
    version            bigint  NOT NULL,
    position           bigint  NOT NULL   -- of the source's last event
);
-- Listed by code; the id breaks ties, so a cursor (code, id) is exact.
CREATE INDEX funding_source_list_code ON funding_source_list (code, funding_source_id);
CREATE INDEX funding_source_list_year ON funding_source_list (fiscal_year, kind, code);

-- The funding ledger (GET /reconciliation…), written by the `funding_ledger` projection from
-- funding-source events alone (delivery dates aside): no names, NIKs or KK numbers anywhere.

-- Each source's fixed facts and its figures after its latest event.
CREATE TABLE funding_ledger_sources (
    funding_source_id    uuid    PRIMARY KEY,
    code                 text    NOT NULL,
    kind                 text    NOT NULL,
    fiscal_year          integer NOT NULL,
    area                 text    NOT NULL,
    budget_idr           bigint  NOT NULL,
    received_idr         bigint  NOT NULL,
    drawn_idr            bigint  NOT NULL,  -- net of voids
    voided_idr           bigint  NOT NULL,
    deliveries           bigint  NOT NULL,  -- not voided
    unreceived_since     bigint,            -- position since which drawn > received, or null
    over_received_since  bigint             -- position since which received > budget, or null
);
CREATE INDEX funding_ledger_sources_code ON funding_ledger_sources (code, funding_source_id);

-- One row per money-moving event (opened, budget-revised, received, drawn, reversed, closed)
-- with the source's figures after it, so the report as of position P reads, per source, its
-- last entry at or before P (and, per programme and period, the last draw or reversal).
CREATE TABLE funding_ledger_entries (
    position             bigint      PRIMARY KEY,
    recorded_at          timestamptz NOT NULL,
    funding_source_id    uuid        NOT NULL,
    entry                text        NOT NULL,
    -- the budget set, the amount received, the value drawn or returned (0 on closure)
    amount_idr           bigint      NOT NULL,
    delivery_id          uuid,
    program              text,
    period               text,
    budget_idr           bigint      NOT NULL,
    received_idr         bigint      NOT NULL,
    drawn_idr            bigint      NOT NULL,
    voided_idr           bigint      NOT NULL,
    deliveries           bigint      NOT NULL,
    unreceived_since     bigint,
    over_received_since  bigint,
    program_deliveries   bigint,  -- after a draw or reversal: its programme and period's figures
    program_value_idr    bigint
);
CREATE INDEX funding_ledger_entries_source ON funding_ledger_entries (funding_source_id, position);
CREATE INDEX funding_ledger_entries_program
    ON funding_ledger_entries (funding_source_id, program, period, position)
    WHERE program IS NOT NULL;

-- The programmes and periods each source has paid for, with their current figures.
CREATE TABLE funding_ledger_programs (
    funding_source_id  uuid    NOT NULL,
    program            text    NOT NULL,
    period             text    NOT NULL,
    deliveries         bigint  NOT NULL,
    value_idr          bigint  NOT NULL,
    PRIMARY KEY (funding_source_id, program, period)
);

-- Delivery line items, one per draw (GET /reconciliation/deliveries).
CREATE TABLE funding_ledger_deliveries (
    delivery_id        uuid    PRIMARY KEY,
    position           bigint  NOT NULL UNIQUE,  -- of the draw
    funding_source_id  uuid    NOT NULL,
    family_id          uuid    NOT NULL,
    area_code          text    NOT NULL,
    program            text    NOT NULL,
    period             text    NOT NULL,
    value_idr          bigint  NOT NULL,
    voided_position    bigint                    -- of the reversal, once voided
);
CREATE INDEX funding_ledger_deliveries_source
    ON funding_ledger_deliveries (funding_source_id, position);
CREATE INDEX funding_ledger_deliveries_period ON funding_ledger_deliveries (period, position);
CREATE INDEX funding_ledger_deliveries_program ON funding_ledger_deliveries (program, position);

-- When each delivery was handed over, from the family's AidDelivered (a date, not personal).
CREATE TABLE funding_ledger_delivery_dates (
    delivery_id   uuid  PRIMARY KEY,
    delivered_on  date  NOT NULL
);
