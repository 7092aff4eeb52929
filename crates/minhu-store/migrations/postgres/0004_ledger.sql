-- Ledgers and evaluation (issue 04). Kept in step with migrations/sqlite/0004_ledger.sql.
--
-- ledger_facts: additive counters per (level, code, local day), level one of community,
-- street, district, unit. Derived from the event log only, kept current incrementally:
-- ledger_requests holds, per request, the facts last applied (so a change is applied as
-- "minus the old, plus the new"), ledger_state the event-id watermark up to which the log
-- has been folded in and the evaluation policy version the facts were built with.

CREATE TABLE ledger_facts (
    level               TEXT COLLATE "C" NOT NULL,
    code                TEXT COLLATE "C" NOT NULL,
    day                 TEXT COLLATE "C" NOT NULL,
    received            BIGINT NOT NULL DEFAULT 0,
    dispatched          BIGINT NOT NULL DEFAULT 0,
    due                 BIGINT NOT NULL DEFAULT 0,
    closed              BIGINT NOT NULL DEFAULT 0,
    closed_on_time      BIGINT NOT NULL DEFAULT 0,
    late                BIGINT NOT NULL DEFAULT 0,
    returned            BIGINT NOT NULL DEFAULT 0,
    reopened            BIGINT NOT NULL DEFAULT 0,
    urged               BIGINT NOT NULL DEFAULT 0,
    supervised          BIGINT NOT NULL DEFAULT 0,
    valid_callbacks     BIGINT NOT NULL DEFAULT 0,
    contacted           BIGINT NOT NULL DEFAULT 0,
    solved              BIGINT NOT NULL DEFAULT 0,
    satisfied           BIGINT NOT NULL DEFAULT 0,
    basically_satisfied BIGINT NOT NULL DEFAULT 0,
    unsatisfied         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (level, day, code)
);

CREATE TABLE ledger_requests (
    request_id    BIGINT PRIMARY KEY REFERENCES requests (id),
    community     TEXT,
    street        TEXT,
    district      TEXT,
    unit          TEXT,
    open_deadline TIMESTAMPTZ,
    facts         TEXT NOT NULL
);
CREATE INDEX ledger_requests_open_deadline ON ledger_requests (open_deadline) WHERE open_deadline IS NOT NULL;

CREATE TABLE ledger_state (
    id              BIGINT PRIMARY KEY CHECK (id = 1),
    event_watermark BIGINT NOT NULL,
    policy_version  BIGINT NOT NULL,
    refreshed_at    TIMESTAMPTZ
);
INSERT INTO ledger_state (id, event_watermark, policy_version) VALUES (1, 0, 0);

-- Requests whose facts must be recomputed although no event was appended (an exclusion).
CREATE TABLE ledger_dirty (
    request_id BIGINT PRIMARY KEY
);

CREATE TABLE evaluation_policies (
    version          BIGINT PRIMARY KEY,
    w_response       DOUBLE PRECISION NOT NULL,
    w_resolution     DOUBLE PRECISION NOT NULL,
    w_satisfaction   DOUBLE PRECISION NOT NULL,
    basic_factor     DOUBLE PRECISION NOT NULL,
    period_start_day BIGINT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);

-- Requests excluded from scoring (e.g. verified unreasonable demands), with reason and approver.
CREATE TABLE evaluation_exclusions (
    request_id  BIGINT PRIMARY KEY REFERENCES requests (id),
    reason      TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TIMESTAMPTZ NOT NULL
);

-- The daily register and the period reports select requests of a subtree by receipt time.
CREATE INDEX requests_jpath_received ON requests (jpath, received_at);
