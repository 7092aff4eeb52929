-- Schema version 25 (issue 14, the residents' council): the suggestion box (议事征集箱) with
-- its openings (开箱记录, two people each), the suggestions from the box, the web, a grid
-- worker or the counter with their event log, and the topics (议题) they feed, with theirs.
-- Kept in step with the other backend's 0025_suggestion.sql.

-- A box hanging in a community.
CREATE TABLE suggestion_boxes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    community  TEXT NOT NULL REFERENCES jurisdictions (code),
    name       TEXT NOT NULL,
    location   TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX suggestion_boxes_community ON suggestion_boxes (community);

-- One opening of a box, by two different people (the CHECK keeps it so whoever writes).
CREATE TABLE box_openings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    box_id      INTEGER NOT NULL REFERENCES suggestion_boxes (id),
    opened_at   TEXT NOT NULL,
    opener_1    TEXT NOT NULL,
    opener_2    TEXT NOT NULL CHECK (opener_2 <> opener_1),
    slips       INTEGER NOT NULL CHECK (slips >= 0),
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX box_openings_box ON box_openings (box_id, opened_at);

-- A topic (议题); `stakeholders`, `origin_requests` are JSON; the state is the projection of
-- topic_events, guarded by `version` (the number of events).
CREATE TABLE topics (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    community       TEXT NOT NULL REFERENCES jurisdictions (code),
    title           TEXT NOT NULL,
    facts           TEXT NOT NULL,
    proposer_name   TEXT NOT NULL,
    proposer_phone  TEXT,
    procedure_code  TEXT NOT NULL DEFAULT '',
    stakeholders    TEXT NOT NULL DEFAULT '[]',
    origin_requests TEXT NOT NULL DEFAULT '[]',
    state           TEXT NOT NULL CHECK (state IN ('draft', 'screened', 'scheduled', 'decided', 'not_adopted', 'withdrawn')),
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL
);
CREATE INDEX topics_community ON topics (community, id);

CREATE TABLE topic_events (
    topic_id INTEGER NOT NULL REFERENCES topics (id),
    seq      INTEGER NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    data     TEXT NOT NULL,
    PRIMARY KEY (topic_id, seq)
);

-- A suggestion; its outcome columns are the projection of suggestion_events.
CREATE TABLE suggestions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    community    TEXT NOT NULL REFERENCES jurisdictions (code),
    source       TEXT NOT NULL CHECK (source IN ('box', 'web', 'grid', 'counter')),
    opening_id   INTEGER REFERENCES box_openings (id),
    text         TEXT NOT NULL,
    author_name  TEXT,
    author_phone TEXT,
    state        TEXT NOT NULL CHECK (state IN ('received', 'merged', 'became_topic', 'answered_direct', 'request', 'rejected')),
    merged_into  INTEGER REFERENCES suggestions (id),
    topic_id     INTEGER REFERENCES topics (id),
    answer       TEXT,
    request_id   INTEGER REFERENCES requests (id),
    request_code TEXT,
    reason       TEXT,
    received_by  TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    CHECK (source <> 'box' OR opening_id IS NOT NULL)
);
CREATE INDEX suggestions_community ON suggestions (community, state, id);
CREATE INDEX suggestions_opening ON suggestions (opening_id);
CREATE INDEX suggestions_topic ON suggestions (topic_id);

CREATE TABLE suggestion_events (
    suggestion_id INTEGER NOT NULL REFERENCES suggestions (id),
    seq           INTEGER NOT NULL,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (suggestion_id, seq)
);

-- Photos of a suggestion, kept in `attachments` by hash (the one cleaning path).
CREATE TABLE suggestion_photos (
    suggestion_id INTEGER NOT NULL REFERENCES suggestions (id),
    hash          TEXT NOT NULL REFERENCES attachments (hash),
    name          TEXT,
    PRIMARY KEY (suggestion_id, hash)
);
