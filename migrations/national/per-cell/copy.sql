-- A cell's replicated copy: the schema `cell_{cell}` with the tables of the cell's
-- publications, as CELL_INTERFACE.md lists them (stored_events comes from the cell's own
-- migration 0001, applied first). Applied by `casework national add-cell`; `{cell}` is the
-- checked cell name.

CREATE TABLE cell_identity (
    name         text        PRIMARY KEY,
    areas        text        NOT NULL,
    genesis      bytea       NOT NULL,
    recorded_at  timestamptz NOT NULL
);

CREATE TABLE cell_heartbeat (
    name           text        PRIMARY KEY,
    head_position  bigint      NOT NULL,
    head_hash      bytea       NOT NULL,
    beat_at        timestamptz NOT NULL
);

CREATE TABLE kk_digests (
    digest     bytea PRIMARY KEY,
    family_id  uuid  NOT NULL
);

CREATE TABLE recipient_digests (
    delivery_id  uuid  PRIMARY KEY,
    digest       bytea NOT NULL,
    family_id    uuid  NOT NULL,
    program      text  NOT NULL,
    period       text  NOT NULL
);
CREATE INDEX recipient_digests_person ON recipient_digests (digest, program, period);

CREATE TABLE coverage_figures (
    program              text   NOT NULL,
    period               text   NOT NULL,
    area_code            text   NOT NULL,
    eligible             bigint NOT NULL,
    served               bigint NOT NULL,
    not_served           bigint NOT NULL,
    served_not_eligible  bigint NOT NULL,
    value_idr            bigint NOT NULL,
    position             bigint NOT NULL,
    PRIMARY KEY (program, period, area_code)
);

CREATE TRIGGER stored_events_wake_national
    AFTER INSERT ON stored_events
    FOR EACH ROW EXECUTE FUNCTION national.wake_national_runner();
ALTER TABLE stored_events ENABLE ALWAYS TRIGGER stored_events_wake_national;

-- Every table of the copy is written by replication only (a removed cell's copy stays so).
CREATE TRIGGER stored_events_copy_only BEFORE INSERT OR UPDATE OR DELETE ON stored_events
    FOR EACH ROW EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER stored_events_copy_only_truncate BEFORE TRUNCATE ON stored_events
    FOR EACH STATEMENT EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER cell_identity_copy_only BEFORE INSERT OR UPDATE OR DELETE ON cell_identity
    FOR EACH ROW EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER cell_identity_copy_only_truncate BEFORE TRUNCATE ON cell_identity
    FOR EACH STATEMENT EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER cell_heartbeat_copy_only BEFORE INSERT OR UPDATE OR DELETE ON cell_heartbeat
    FOR EACH ROW EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER cell_heartbeat_copy_only_truncate BEFORE TRUNCATE ON cell_heartbeat
    FOR EACH STATEMENT EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER kk_digests_copy_only BEFORE INSERT OR UPDATE OR DELETE ON kk_digests
    FOR EACH ROW EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER kk_digests_copy_only_truncate BEFORE TRUNCATE ON kk_digests
    FOR EACH STATEMENT EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER recipient_digests_copy_only BEFORE INSERT OR UPDATE OR DELETE ON recipient_digests
    FOR EACH ROW EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER recipient_digests_copy_only_truncate BEFORE TRUNCATE ON recipient_digests
    FOR EACH STATEMENT EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER coverage_figures_copy_only BEFORE INSERT OR UPDATE OR DELETE ON coverage_figures
    FOR EACH ROW EXECUTE FUNCTION national.refuse_copy_change();
CREATE TRIGGER coverage_figures_copy_only_truncate BEFORE TRUNCATE ON coverage_figures
    FOR EACH STATEMENT EXECUTE FUNCTION national.refuse_copy_change();
