-- The shared governance base (issue 13): 督办 action items, document counters and 公示.
--
-- An action item is its event log (action_item_events); action_items is the projection the
-- registers and the deadline monitor read, written in the same transaction as each event
-- and guarded by the item's version (UNIQUE (item_id, seq) backs the guard up).
CREATE TABLE action_items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    source_kind   TEXT NOT NULL,
    source_id     INTEGER NOT NULL,
    title         TEXT NOT NULL,
    issued_by     TEXT NOT NULL,
    owner         TEXT NOT NULL,
    -- The co-units (协办), comma-separated, for display and the register.
    co_units      TEXT NOT NULL DEFAULT '',
    due           TEXT NOT NULL,
    state         TEXT NOT NULL,
    -- The highest rung of the deadline ladder sent since the due date was set.
    oversight     TEXT,
    issued_at     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL
);
CREATE INDEX action_items_owner ON action_items (owner, state);
CREATE INDEX action_items_issuer ON action_items (issued_by, state);
CREATE INDEX action_items_source ON action_items (source_kind, source_id);
CREATE INDEX action_items_due ON action_items (state, due);

-- Co-units one row each, so "items my unit helps with" is an index lookup.
CREATE TABLE action_item_units (
    item_id INTEGER NOT NULL REFERENCES action_items (id),
    unit    TEXT NOT NULL,
    PRIMARY KEY (item_id, unit)
);
CREATE INDEX action_item_units_unit ON action_item_units (unit);

CREATE TABLE action_item_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id  INTEGER NOT NULL REFERENCES action_items (id),
    seq      INTEGER NOT NULL,
    action   TEXT NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    unit     TEXT,
    data     TEXT NOT NULL,
    UNIQUE (item_id, seq)
);

-- 文号: the last number handed out per kind, issuing unit and year.
CREATE TABLE document_counters (
    kind   TEXT NOT NULL,
    issuer TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (kind, issuer, year)
);

-- 公示: what is shown, where, from when until when. One venue a row: a notice both on
-- the online wall and on a board is two publications, each with its own proof.
CREATE TABLE publications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   INTEGER NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    -- online_wall | board
    venue        TEXT NOT NULL,
    board        TEXT,
    -- The hash (attachments) of the photo of the posted board sheet.
    board_photo  TEXT,
    jurisdiction TEXT NOT NULL,
    from_at      TEXT NOT NULL,
    until_at     TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by TEXT
);
CREATE INDEX publications_showing ON publications (until_at, from_at);
CREATE INDEX publications_subject ON publications (subject_kind, subject_id);
