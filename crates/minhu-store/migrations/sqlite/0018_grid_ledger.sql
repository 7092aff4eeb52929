-- Schema version 18 (issue 13, grid work "1+5"): the grid's base ledger (网格基础台账) and the
-- people register on which grid work, the council and mediation build. Buildings → units →
-- households → residents; places and organisations; grid posts; care tags. Kept in step
-- with the other backend's 0018_grid_ledger.sql.
--
-- Privacy tiers of the register (minhu_domain::people): public = a surname, a building, a
-- room-less address; staff = names, phones, rooms (masked until revealed with a purpose,
-- logged); sensitive = ID numbers and care tags (PIPL art. 28; only users granted
-- `sensitive` read them, every read logged, never in a default export). 重点人员 is only a
-- restricted tag kind: it has no narrative column anywhere.

-- The service grid's own facts beside its jurisdiction row and its shape.
CREATE TABLE grid_profiles (
    grid             TEXT PRIMARY KEY REFERENCES jurisdictions (code),
    household_target INTEGER NOT NULL DEFAULT 300,
    board_photo      TEXT REFERENCES attachments (hash),
    state            TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'merged', 'retired'))
);

CREATE TABLE buildings (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL REFERENCES jurisdictions (code),
    grid      TEXT NOT NULL REFERENCES jurisdictions (code),
    number    TEXT NOT NULL,
    name      TEXT NOT NULL DEFAULT '',
    address   TEXT NOT NULL DEFAULT '',
    floors    INTEGER,
    built     INTEGER,
    state     TEXT NOT NULL DEFAULT 'occupied' CHECK (state IN ('occupied', 'vacant', 'demolished')),
    UNIQUE (community, number)
);
CREATE INDEX buildings_grid ON buildings (grid);

-- A building's 单元 (entrance / stairway).
CREATE TABLE building_units (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    building_id INTEGER NOT NULL REFERENCES buildings (id),
    number      TEXT NOT NULL,
    floors      INTEGER,
    UNIQUE (building_id, number)
);

CREATE TABLE households (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    building_id    INTEGER NOT NULL REFERENCES buildings (id),
    unit_id        INTEGER REFERENCES building_units (id),
    grid           TEXT NOT NULL REFERENCES jurisdictions (code),
    room           TEXT NOT NULL,
    head_name      TEXT NOT NULL DEFAULT '',
    head_phone     TEXT NOT NULL DEFAULT '',
    size           INTEGER,
    tenure         TEXT NOT NULL DEFAULT 'owner' CHECK (tenure IN ('owner', 'rented', 'vacant', 'public_rental')),
    tenancy_from   TEXT,
    tenancy_until  TEXT,
    state          TEXT NOT NULL DEFAULT 'occupied' CHECK (state IN ('occupied', 'vacant', 'demolished')),
    last_visit_at  TEXT,
    UNIQUE (building_id, unit_id, room)
);
CREATE INDEX households_grid ON households (grid, state);

CREATE TABLE residents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id  INTEGER NOT NULL REFERENCES households (id),
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    id_number     TEXT NOT NULL DEFAULT '',
    birth_year    INTEGER,
    gender        TEXT CHECK (gender IN ('male', 'female')),
    relation      TEXT NOT NULL DEFAULT '',
    residence     TEXT NOT NULL DEFAULT 'registered' CHECK (residence IN ('registered', 'floating')),
    occupation    TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT 'current' CHECK (state IN ('current', 'moved_out', 'deceased')),
    UNIQUE (household_id, name)
);

-- A special group a resident belongs to, with how often they are visited. No narrative for
-- the restricted kind key_person (重点人员): basis stays empty there (checked in the domain).
CREATE TABLE care_tags (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id  INTEGER NOT NULL REFERENCES residents (id),
    kind         TEXT NOT NULL,
    basis        TEXT NOT NULL DEFAULT '',
    cadence_days INTEGER NOT NULL,
    helper       TEXT NOT NULL DEFAULT '',
    since        TEXT,
    until        TEXT,
    state        TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'ended')),
    UNIQUE (resident_id, kind)
);

-- Shops, firms, rented rooms, schools, 九小场所, social organisations.
CREATE TABLE places (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    community     TEXT NOT NULL REFERENCES jurisdictions (code),
    grid          TEXT NOT NULL REFERENCES jurisdictions (code),
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    risk_level    TEXT NOT NULL DEFAULT 'low' CHECK (risk_level IN ('low', 'medium', 'high')),
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'closed')),
    UNIQUE (community, name)
);
CREATE INDEX places_grid ON places (grid);

-- 网格长, 专职网格员, 兼职网格员, 楼栋长, 单元长: who holds a post, with the armband number and
-- the phone printed on the grid's public board (a work phone, public by design).
CREATE TABLE grid_posts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    grid        TEXT NOT NULL REFERENCES jurisdictions (code),
    post        TEXT NOT NULL CHECK (post IN ('grid_head', 'full_time', 'part_time', 'building_head', 'unit_head')),
    person_name TEXT NOT NULL,
    username    TEXT,
    building_id INTEGER REFERENCES buildings (id),
    armband_no  TEXT NOT NULL DEFAULT '',
    board_phone TEXT NOT NULL DEFAULT '',
    since       TEXT NOT NULL,
    until       TEXT,
    state       TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'ended'))
);
CREATE INDEX grid_posts_grid ON grid_posts (grid, state);

-- Every edit of the register: who, when, which record and fields. Values are kept only for
-- public-tier fields; a staff or sensitive field's change names the field, never its value.
CREATE TABLE ledger_edits (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    action    TEXT NOT NULL,
    fields    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ledger_edits_entity ON ledger_edits (entity, entity_id);

-- Grants beyond a role: `sensitive` lets a user read ID numbers and care tags in scope.
CREATE TABLE user_grants (
    username   TEXT NOT NULL REFERENCES users (username),
    grant_name TEXT NOT NULL CHECK (grant_name IN ('sensitive')),
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (username, grant_name)
);

-- The access log names what was read when it is not a request: a household, a resident …
ALTER TABLE access_log ADD COLUMN subject_kind TEXT;
ALTER TABLE access_log ADD COLUMN subject_id INTEGER;
CREATE INDEX access_log_subject ON access_log (subject_kind, subject_id);
