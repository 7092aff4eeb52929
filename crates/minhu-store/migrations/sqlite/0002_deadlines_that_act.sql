-- Schema version 2 (issue 02): the deadline monitor's warnings, the dispatch catalogue,
-- notification subscriptions and the outbox. Kept in step with the postgres folder.

ALTER TABLE requests ADD COLUMN warned TEXT NOT NULL DEFAULT 'none';
-- The sweep looks only at requests whose clock runs and whose yellow time has come.
CREATE INDEX requests_sweep ON requests (yellow_at) WHERE state IN ('dispatched', 'return_requested', 'in_progress');

-- 派单目录: category (a code prefix; '' matches all) × jurisdiction (it and everything below)
-- → lead unit and co-handlers. The most specific rule wins; the district's rule is the fallback.
CREATE TABLE dispatch_rules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    category     TEXT NOT NULL DEFAULT '',
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions (code),
    lead_unit    TEXT NOT NULL REFERENCES units (code),
    co_units     TEXT NOT NULL DEFAULT '[]',
    note         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);
CREATE INDEX dispatch_rules_category ON dispatch_rules (category);

-- Who hears of what: owner is a unit code, a jurisdiction code, 'channel:NAME' (upstream
-- platforms) or '*'; actions is '*' or a comma list of event actions.
CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    owner      TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('webhook', 'sms', 'email')),
    target     TEXT NOT NULL,
    secret     TEXT,
    actions    TEXT NOT NULL DEFAULT '*',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL
);

-- Messages to deliver, written in the same transaction as the event that causes them.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    event_seq       INTEGER NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'sms', 'email')),
    target          TEXT NOT NULL,
    secret          TEXT,
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    delivered_at    TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX outbox_order ON outbox (request_id, target, id) WHERE delivered_at IS NULL;
