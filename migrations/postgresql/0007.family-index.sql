-- The family index: what GET /families filters and shows, and the current members of each
-- UPPKA group (GET /uppka-groups/{id}). Built from family events by the `family_index`
-- projection. Personal columns (KK number, NIK, names) are nullable: the projection sets them
-- to NULL for a family when its personal data is erased, as a replay would after the key is
-- destroyed. Area codes and KK numbers compare bytewise (COLLATE "C"), so a code prefix is a
-- plain index range on any database collation.
CREATE TABLE family_index (
    family_id       uuid    PRIMARY KEY,
    version         bigint  NOT NULL,
    area_code       text    COLLATE "C" NOT NULL,
    kk_number       text    COLLATE "C",  -- personal
    status          text    NOT NULL,     -- active, inactive or erased
    active_members  integer NOT NULL
);
-- The list order (area, KK, id) is also its paging key, and serves the area filter.
CREATE INDEX family_index_order ON family_index (area_code, (coalesce(kk_number, '')), family_id);
CREATE INDEX family_index_kk ON family_index (kk_number);

-- Every member a family recorded, departed ones too (`q` matches any member's name).
CREATE TABLE family_index_members (
    family_id     uuid    NOT NULL,
    member_no     integer NOT NULL,
    nik           text,  -- personal
    name          text,  -- personal
    name_folded   text,  -- personal: the name case-folded, for `q`
    relationship  text    NOT NULL,
    active        boolean NOT NULL,
    PRIMARY KEY (family_id, member_no)
);

-- The deliveries of each family that are not voided (a void deletes its row).
CREATE TABLE family_index_deliveries (
    delivery_id  uuid PRIMARY KEY,
    family_id    uuid NOT NULL,
    program      text NOT NULL
);
CREATE INDEX family_index_deliveries_family ON family_index_deliveries (family_id);

-- Members enrolled in DASHAT now (an exit or a departure deletes the row).
CREATE TABLE family_index_dashat (
    family_id  uuid    NOT NULL,
    member_no  integer NOT NULL,
    PRIMARY KEY (family_id, member_no)
);

-- Members of UPPKA groups now (leaving or departing deletes the row).
CREATE TABLE uppka_members (
    group_id   uuid    NOT NULL,
    family_id  uuid    NOT NULL,
    member_no  integer NOT NULL,
    joined_on  date    NOT NULL,
    PRIMARY KEY (group_id, family_id, member_no)
);
CREATE INDEX uppka_members_family ON uppka_members (family_id);

-- The programmes of each family as the list shows them: those of its deliveries not voided,
-- plus `uppka` and `dashat` while a membership or an enrolment is active.
CREATE TABLE family_index_programs (
    family_id  uuid NOT NULL,
    program    text NOT NULL,
    PRIMARY KEY (family_id, program)
);
CREATE INDEX family_index_programs_program ON family_index_programs (program, family_id);
