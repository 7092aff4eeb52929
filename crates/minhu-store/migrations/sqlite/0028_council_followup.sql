-- Schema version 28 (issue 14, round 2: after the sitting): a decision's follow-up log
-- (公示, requests raised, progress told, 实施结果公开, 评议会, referral), each step written only
-- on the follow-up version it was decided on, with the authors' notices in the same
-- transaction; the requests raised for it (n: the decision's own count, the intake key
-- `council_decision:{id}:{n}`); and the 评议会's result. Kept in step with the other
-- backend's 0028_council_followup.sql.

ALTER TABLE council_decisions ADD COLUMN followup_version INTEGER NOT NULL DEFAULT 0;
-- How many verified items the authors have been told of.
ALTER TABLE council_decisions ADD COLUMN verified_told INTEGER NOT NULL DEFAULT 0;

CREATE TABLE council_decision_steps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id INTEGER NOT NULL REFERENCES council_decisions (id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    UNIQUE (decision_id, seq)
);

CREATE TABLE council_decision_requests (
    decision_id INTEGER NOT NULL REFERENCES council_decisions (id),
    n           INTEGER NOT NULL,
    request_id  INTEGER NOT NULL REFERENCES requests (id),
    code        TEXT NOT NULL,
    item_id     INTEGER,
    PRIMARY KEY (decision_id, n)
);

CREATE TABLE council_evaluations (
    decision_id         INTEGER PRIMARY KEY REFERENCES council_decisions (id),
    sitting_id          INTEGER REFERENCES sittings (id),
    participants        INTEGER NOT NULL,
    satisfied           INTEGER NOT NULL,
    basically_satisfied INTEGER NOT NULL,
    dissatisfied        INTEGER NOT NULL,
    note                TEXT NOT NULL DEFAULT '',
    recorded_by         TEXT NOT NULL,
    recorded_at         TEXT NOT NULL
);
