-- Ledgers and evaluation (issue 04). Kept in step with migrations/postgres/0004_ledger.sql.
--
-- ledger_facts: additive counters per (level, code, local day), level one of community,
-- street, district, unit. Derived from the event log only, kept current incrementally:
-- ledger_requests holds, per request, the facts last applied (so a change is applied as
-- "minus the old, plus the new"), ledger_state the event-id watermark up to which the log
-- has been folded in and the evaluation policy version the facts were built with.

CREATE TABLE ledger_facts (
    level               TEXT NOT NULL,
    code                TEXT NOT NULL,
    day                 TEXT NOT NULL,
    received            INTEGER NOT NULL DEFAULT 0,
    dispatched          INTEGER NOT NULL DEFAULT 0,
    due                 INTEGER NOT NULL DEFAULT 0,
    closed              INTEGER NOT NULL DEFAULT 0,
    closed_on_time      INTEGER NOT NULL DEFAULT 0,
    late                INTEGER NOT NULL DEFAULT 0,
    returned            INTEGER NOT NULL DEFAULT 0,
    reopened            INTEGER NOT NULL DEFAULT 0,
    urged               INTEGER NOT NULL DEFAULT 0,
    supervised          INTEGER NOT NULL DEFAULT 0,
    valid_callbacks     INTEGER NOT NULL DEFAULT 0,
    contacted           INTEGER NOT NULL DEFAULT 0,
    solved              INTEGER NOT NULL DEFAULT 0,
    satisfied           INTEGER NOT NULL DEFAULT 0,
    basically_satisfied INTEGER NOT NULL DEFAULT 0,
    unsatisfied         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (level, day, code)
);

CREATE TABLE ledger_requests (
    request_id    INTEGER PRIMARY KEY REFERENCES requests (id),
    community     TEXT,
    street        TEXT,
    district      TEXT,
    unit          TEXT,
    open_deadline TEXT,
    facts         TEXT NOT NULL
);
CREATE INDEX ledger_requests_open_deadline ON ledger_requests (open_deadline) WHERE open_deadline IS NOT NULL;

CREATE TABLE ledger_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    event_watermark INTEGER NOT NULL,
    policy_version  INTEGER NOT NULL,
    refreshed_at    TEXT
);
INSERT INTO ledger_state (id, event_watermark, policy_version) VALUES (1, 0, 0);

-- Requests whose facts must be recomputed although no event was appended (an exclusion).
CREATE TABLE ledger_dirty (
    request_id INTEGER PRIMARY KEY
);

CREATE TABLE evaluation_policies (
    version          INTEGER PRIMARY KEY,
    w_response       REAL NOT NULL,
    w_resolution     REAL NOT NULL,
    w_satisfaction   REAL NOT NULL,
    basic_factor     REAL NOT NULL,
    period_start_day INTEGER NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL
);

-- Requests excluded from scoring (e.g. verified unreasonable demands), with reason and approver.
CREATE TABLE evaluation_exclusions (
    request_id  INTEGER PRIMARY KEY REFERENCES requests (id),
    reason      TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL
);

-- The daily register and the period reports select requests of a subtree by receipt time.
CREATE INDEX requests_jpath_received ON requests (jpath, received_at);
