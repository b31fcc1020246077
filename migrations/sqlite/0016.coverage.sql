-- Programme coverage (issue 26): built by the `coverage` projection from family and target
-- events. The first four tables are the projection's working state, emptied by a rebuild;
-- coverage_periods, coverage_units' kept copies (coverage_kept) and coverage_figures are not:
-- verdicts of periods before an erasure stay as they were counted, and a rebuild cannot
-- count them again from sealed data it can no longer read.

-- What eligibility needs of each family, as a timeline of dated facts (JSON). Personal: it
-- holds members' birth dates, which an erasure sets to null.
CREATE TABLE coverage_families (
    family_id  TEXT PRIMARY KEY,
    timeline   text NOT NULL
);

-- Every village a family has lived in, to find the families a target's area may hold.
CREATE TABLE coverage_family_areas (
    area_code  text NOT NULL,
    family_id  TEXT NOT NULL,
    PRIMARY KEY (area_code, family_id)
);

CREATE TABLE coverage_deliveries (
    delivery_id          TEXT    PRIMARY KEY,
    family_id            TEXT    NOT NULL,
    program              text    NOT NULL,
    period               text    NOT NULL,
    recipient_member_no  integer,
    value_idr            INTEGER  NOT NULL,
    area_code            text    NOT NULL,
    voided               INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX coverage_deliveries_family ON coverage_deliveries (family_id);
CREATE INDEX coverage_deliveries_period ON coverage_deliveries (program, period, area_code);

-- Each target as its events leave it (msgspec JSON of its terms and revisions).
CREATE TABLE coverage_targets (
    target_id  TEXT PRIMARY KEY,
    program    text NOT NULL,
    state      text NOT NULL
);

-- The periods of each target whose verdicts are computed and kept (opened, or first asked for).
CREATE TABLE coverage_periods (
    target_id        TEXT   NOT NULL,
    period           text   NOT NULL,
    opened_position  INTEGER NOT NULL,
    PRIMARY KEY (target_id, period)
);

-- The verdicts: one row per eligible unit (member_no >= 1, or 0 for a family unit) with its
-- service, and one per village (member_no = -1) counting the deliveries that serve no eligible
-- unit. A row is never updated but closed (to_position) and replaced, so `as_of` reads the
-- rows in force at a position.
CREATE TABLE coverage_units (
    target_id      TEXT    NOT NULL,
    program        text    NOT NULL,
    period         text    NOT NULL,
    family_id      TEXT    NOT NULL,
    member_no      integer NOT NULL,
    area_code      text    NOT NULL,
    served         integer NOT NULL,
    value_idr      INTEGER  NOT NULL,
    from_position  INTEGER  NOT NULL,
    to_position    INTEGER
);
CREATE INDEX coverage_units_family ON coverage_units (family_id, target_id, period)
    WHERE to_position IS NULL;
CREATE INDEX coverage_units_area ON coverage_units (program, period, area_code)
    WHERE to_position IS NULL;
CREATE INDEX coverage_units_history ON coverage_units (program, period, from_position);

-- Verdicts of an erased family for the periods before its erasure, as they were counted.
CREATE TABLE coverage_kept (
    target_id      TEXT    NOT NULL,
    program        text    NOT NULL,
    period         text    NOT NULL,
    family_id      TEXT    NOT NULL,
    member_no      integer NOT NULL,
    area_code      text    NOT NULL,
    served         integer NOT NULL,
    value_idr      INTEGER  NOT NULL,
    from_position  INTEGER  NOT NULL,
    PRIMARY KEY (target_id, period, family_id, member_no, area_code)
);
CREATE INDEX coverage_kept_area ON coverage_kept (program, period, area_code);

-- Per village and period, counted by this store (the cell <-> national interface: the
-- national side sums them).
CREATE TABLE coverage_figures (
    program              text   NOT NULL,
    period               text   NOT NULL,
    area_code            text   NOT NULL,
    eligible             INTEGER NOT NULL,
    served               INTEGER NOT NULL,
    not_served           INTEGER NOT NULL,
    served_not_eligible  INTEGER NOT NULL,
    value_idr            INTEGER NOT NULL,
    position             INTEGER NOT NULL,
    PRIMARY KEY (program, period, area_code)
);
