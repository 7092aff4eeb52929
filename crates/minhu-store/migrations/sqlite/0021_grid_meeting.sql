-- Schema version 21 (issue 13, grid work "1+5"): the grid's responsibility list (责任清单),
-- the weekly grid-worker meeting (网格员工作例会) and the daily 社情日汇总 with their items.
-- Kept in step with the other backend's 0021_grid_meeting.sql.

-- A duty of a grid, or of one post of the grid (post NULL: the whole grid).
CREATE TABLE duty_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    grid            TEXT NOT NULL REFERENCES jurisdictions (code),
    post            TEXT CHECK (post IN ('grid_head', 'full_time', 'part_time', 'building_head', 'unit_head')),
    duty            TEXT NOT NULL,
    frequency       TEXT NOT NULL,
    source_document TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    retired_by      TEXT,
    retired_at      TEXT
);
CREATE INDEX duty_items_grid ON duty_items (grid, state);

-- A weekly meeting or a day's rollup of a community. `number` is the minutes' 期 (纪要第N期)
-- from the numbered-documents sequence, given when a weekly meeting is issued; `rollup` the
-- computed 社情日汇总 (JSON) fixed when a rollup is issued. One rollup per community and day.
CREATE TABLE grid_meetings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    community  TEXT NOT NULL REFERENCES jurisdictions (code),
    kind       TEXT NOT NULL CHECK (kind IN ('weekly_meeting', 'daily_rollup')),
    day        TEXT NOT NULL,
    number     INTEGER,
    number_text TEXT,
    attendees  TEXT NOT NULL DEFAULT '[]',
    state      TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'issued')),
    rollup     TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    issued_by  TEXT,
    issued_at  TEXT,
    version    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX grid_meetings_community ON grid_meetings (community, day);
CREATE UNIQUE INDEX grid_meetings_one_rollup ON grid_meetings (community, day) WHERE kind = 'daily_rollup';

-- An item walked at a meeting: about a request or a patrol finding (or neither), the grid it
-- concerns, the decision, and the action item the decision became when the meeting was issued.
CREATE TABLE grid_meeting_items (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id     INTEGER NOT NULL REFERENCES grid_meetings (id),
    seq            INTEGER NOT NULL,
    request_id     INTEGER REFERENCES requests (id),
    finding_id     INTEGER REFERENCES findings (id),
    grid           TEXT REFERENCES jurisdictions (code),
    text           TEXT NOT NULL,
    decision       TEXT,
    owner_unit     TEXT REFERENCES units (code),
    working_days   INTEGER,
    action_item_id INTEGER REFERENCES action_items (id),
    UNIQUE (meeting_id, seq)
);
CREATE INDEX grid_meeting_items_grid ON grid_meeting_items (grid, meeting_id);
