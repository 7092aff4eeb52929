-- Schema version 23 (issue 13, the shared governance base): the owner unit of a 督办事项 is
-- told of its issue and of each 催办/督办/通报 through the outbox, and the district office
-- acts for a unit of its own. Kept in step with the postgres folder.
--
-- A unit may be marked as the office of its jurisdiction (区综合办公室 of a district, whose
-- code is not the district's): the unit the jurisdiction's staff act for.
ALTER TABLE units ADD COLUMN office BOOLEAN NOT NULL DEFAULT FALSE;

-- The outbox names what a message is about (subject_kind, subject_id): a request, as every
-- message so far (request_id kept, equal to subject_id), or an action item (request_id
-- NULL). SQLite cannot drop a NOT NULL, so the table is rebuilt the standard way: a new
-- table, the rows copied with their ids, the old one dropped, the new one renamed, and the
-- indexes of 0002 and 0014 made again. Nothing references the outbox by foreign key.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      INTEGER REFERENCES requests (id),
    subject_kind    TEXT NOT NULL DEFAULT 'request',
    subject_id      INTEGER NOT NULL,
    event_seq       INTEGER NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'sms', 'email')),
    target          TEXT NOT NULL,
    secret          TEXT,
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    delivered_at    TEXT,
    last_error      TEXT,
    claimed_until   TEXT,
    claimed_by      TEXT,
    dead_at         TEXT,
    CHECK (CASE WHEN subject_kind = 'request' THEN request_id IS NOT NULL AND request_id = subject_id
                ELSE request_id IS NULL END)
);
INSERT INTO outbox_new (id, request_id, subject_kind, subject_id, event_seq, channel, target, secret,
                        payload, created_at, attempts, next_attempt_at, delivered_at, last_error,
                        claimed_until, claimed_by, dead_at)
SELECT id, request_id, 'request', request_id, event_seq, channel, target, secret,
       payload, created_at, attempts, next_attempt_at, delivered_at, last_error,
       claimed_until, claimed_by, dead_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX outbox_order ON outbox (request_id, target, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_failing ON outbox (id) WHERE delivered_at IS NULL AND attempts > 0;
-- Delivery stays in order per subject and target (the sender's claim).
CREATE INDEX outbox_subject_order ON outbox (subject_kind, subject_id, target, id) WHERE delivered_at IS NULL;
