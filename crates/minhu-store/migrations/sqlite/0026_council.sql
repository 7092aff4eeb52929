-- Schema version 26 (issue 14, the residents' council hall 居民议事厅): a deployment's own
-- procedures, council bodies and members, sittings with their agenda, event log,
-- attendance, votes (and online ballots) and decisions. Kept in step with the other
-- backend's 0026_council.sql. An agenda item's topic_id is a plain integer (topics are
-- another slice's table): no foreign key.

-- A deployment's own procedure (the presets live in the code): stages as JSON.
CREATE TABLE council_procedures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    community  TEXT NOT NULL REFERENCES jurisdictions (code),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    stages     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (community, code)
);

CREATE TABLE councils (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    community  TEXT NOT NULL REFERENCES jurisdictions (code),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('community', 'estate', 'building')),
    buildings  TEXT NOT NULL DEFAULT '[]',
    state      TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'dissolved')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX councils_community ON councils (community);

CREATE TABLE council_members (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    council_id INTEGER NOT NULL REFERENCES councils (id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('director', 'deputy', 'secretary', 'member')),
    position   TEXT NOT NULL DEFAULT '',
    term_from  TEXT,
    term_until TEXT,
    represents TEXT NOT NULL DEFAULT ''
);
CREATE INDEX council_members_council ON council_members (council_id);

-- A sitting: one stage of a procedure. `version` is bumped by every change, each with its
-- event in sitting_events (seq from 1): a change is written only on the version it was
-- decided on.
CREATE TABLE sittings (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    community        TEXT NOT NULL REFERENCES jurisdictions (code),
    procedure_code   TEXT NOT NULL,
    stage            INTEGER NOT NULL,
    stage_name       TEXT NOT NULL,
    body             TEXT NOT NULL,
    council_id       INTEGER REFERENCES councils (id),
    title            TEXT NOT NULL,
    day              TEXT NOT NULL,
    place            TEXT NOT NULL,
    notice_posted_at TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'noticed' CHECK (state IN ('noticed', 'held', 'quorum_failed', 'minutes_approved')),
    number           INTEGER,
    number_text      TEXT,
    minutes          TEXT,
    summary          TEXT,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sittings_community ON sittings (community, day);

CREATE TABLE sitting_agenda_items (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id INTEGER NOT NULL REFERENCES sittings (id),
    seq        INTEGER NOT NULL,
    title      TEXT NOT NULL,
    motion     TEXT NOT NULL,
    topic_id   INTEGER,
    UNIQUE (sitting_id, seq)
);
CREATE INDEX sitting_agenda_items_topic ON sitting_agenda_items (topic_id);

CREATE TABLE sitting_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id INTEGER NOT NULL REFERENCES sittings (id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}',
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    UNIQUE (sitting_id, seq)
);

-- One line per person (resident or member) or household: present, absent or proxy (held
-- by another attendee of the same kind).
CREATE TABLE sitting_attendance (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id  INTEGER NOT NULL REFERENCES sittings (id),
    kind        TEXT NOT NULL CHECK (kind IN ('resident', 'household', 'member')),
    subject_id  INTEGER NOT NULL,
    presence    TEXT NOT NULL CHECK (presence IN ('present', 'absent', 'proxy')),
    proxy_to    INTEGER,
    signed_at   TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (sitting_id, kind, subject_id)
);

CREATE TABLE sitting_votes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id INTEGER NOT NULL REFERENCES sittings (id),
    agenda_seq INTEGER NOT NULL,
    method     TEXT NOT NULL CHECK (method IN ('hands', 'paper', 'online')),
    weight     TEXT NOT NULL CHECK (weight IN ('per_person', 'per_household')),
    options    TEXT NOT NULL,
    counts     TEXT,
    invalid    INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'published')),
    present    INTEGER,
    entitled   INTEGER,
    passed     BOOLEAN,
    carried    TEXT,
    opened_by  TEXT NOT NULL,
    opened_at  TEXT NOT NULL,
    closed_at  TEXT
);
CREATE INDEX sitting_votes_sitting ON sitting_votes (sitting_id);

-- An online ballot: one per voter and vote.
CREATE TABLE sitting_ballots (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    vote_id    INTEGER NOT NULL REFERENCES sitting_votes (id),
    voter_kind TEXT NOT NULL,
    voter_id   INTEGER NOT NULL,
    choice     TEXT NOT NULL,
    cast_at    TEXT NOT NULL,
    UNIQUE (vote_id, voter_kind, voter_id)
);

-- A decision (决议): passed is computed from its vote, never typed.
CREATE TABLE council_decisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id    INTEGER NOT NULL REFERENCES sittings (id),
    vote_id       INTEGER NOT NULL UNIQUE REFERENCES sitting_votes (id),
    community     TEXT NOT NULL REFERENCES jurisdictions (code),
    agenda_seq    INTEGER NOT NULL,
    topic_id      INTEGER,
    text          TEXT NOT NULL,
    passed        BOOLEAN NOT NULL,
    state         TEXT NOT NULL DEFAULT 'effective' CHECK (state IN ('effective', 'superseded')),
    superseded_by INTEGER REFERENCES council_decisions (id),
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX council_decisions_community ON council_decisions (community);
