-- Schema version 1: organisation, people, calendar, SLA policy, requests and their events.
-- Kept in step with migrations/postgres/0001_spine.sql (same tables, columns and meaning).

CREATE TABLE jurisdictions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  TEXT NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid')),
    parent TEXT REFERENCES jurisdictions (code),
    sort   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE units (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('community', 'street', 'district', 'city')),
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions (code),
    sort         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT,
    role          TEXT NOT NULL CHECK (role IN ('district_admin', 'street_staff', 'community_staff', 'grid_worker', 'unit_handler', 'auditor')),
    scope         TEXT NOT NULL,
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    label      TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sla_policies (
    version    INTEGER PRIMARY KEY,
    rules      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- One row per request: its intake facts plus a projection of the state derived from its
-- events (kept in the same transaction as each event, for queues and filters).
CREATE TABLE requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL,
    type            TEXT NOT NULL,
    subject         TEXT,
    content         TEXT NOT NULL,
    requester_name  TEXT,
    requester_phone TEXT,
    address         TEXT,
    lat             REAL,
    lon             REAL,
    jurisdiction    TEXT NOT NULL REFERENCES jurisdictions (code),
    jpath           TEXT NOT NULL,
    category        TEXT,
    confidential    BOOLEAN NOT NULL DEFAULT FALSE,
    external_id     TEXT,
    received_at     TEXT NOT NULL,
    state           TEXT NOT NULL,
    tier            TEXT NOT NULL,
    lead_unit       TEXT,
    co_units        TEXT NOT NULL DEFAULT '[]',
    difficulty      TEXT,
    urgency         TEXT NOT NULL,
    deadline        TEXT,
    yellow_at       TEXT,
    sla_version     INTEGER,
    urge_count      INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT NOT NULL,
    closed_at       TEXT,
    version         INTEGER NOT NULL
);
CREATE UNIQUE INDEX requests_external_id ON requests (channel, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX requests_jpath ON requests (jpath, id);
CREATE INDEX requests_state ON requests (state, id);
CREATE INDEX requests_lead_unit ON requests (lead_unit, id);
CREATE INDEX requests_deadline ON requests (deadline) WHERE deadline IS NOT NULL;

-- The append-only log: the source of truth for every request's state.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES requests (id),
    seq        INTEGER NOT NULL,
    action     TEXT NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    data       TEXT NOT NULL,
    UNIQUE (request_id, seq)
);

-- Every read or export of personal fields.
CREATE TABLE access_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    request_id INTEGER,
    fields     TEXT NOT NULL,
    purpose    TEXT NOT NULL
);
CREATE INDEX access_log_request ON access_log (request_id);
