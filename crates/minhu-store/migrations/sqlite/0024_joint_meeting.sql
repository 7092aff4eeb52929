-- Schema version 24 (issue 14): the district's joint meeting (联席会议) of the rapid-response
-- mechanism. Kept in step with the other backend's 0024_joint_meeting.sql.

-- A joint body: led by an office, approved by its convener, meeting at a regular cadence.
CREATE TABLE joint_bodies (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    lead_unit  TEXT NOT NULL REFERENCES units (code),
    convener   TEXT NOT NULL,
    cadence    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'dissolved')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Its member units, each with the liaison officer (联络员) and phone.
CREATE TABLE joint_body_members (
    body_id INTEGER NOT NULL REFERENCES joint_bodies (id),
    seq     INTEGER NOT NULL,
    unit    TEXT NOT NULL REFERENCES units (code),
    liaison TEXT NOT NULL,
    phone   TEXT NOT NULL,
    PRIMARY KEY (body_id, unit)
);

-- The office's queue of hard cases: a flagged 疑难件 or a case a street or community puts
-- forward. `kind` + `ref_id` name the record (only 'request' now); one flagged candidate per
-- request and body, however many servers fill the queue at once.
CREATE TABLE joint_candidates (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    body_id          INTEGER NOT NULL REFERENCES joint_bodies (id),
    kind             TEXT NOT NULL CHECK (kind IN ('request', 'mediation_case', 'council_decision')),
    ref_id           INTEGER NOT NULL,
    origin           TEXT NOT NULL CHECK (origin IN ('flagged', 'proposed')),
    title            TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'admitted', 'decided', 'dismissed')),
    proposed_by      TEXT NOT NULL,
    proposed_at      TEXT NOT NULL,
    dismissed_by     TEXT,
    dismissed_reason TEXT
);
CREATE UNIQUE INDEX joint_candidates_one_flag ON joint_candidates (body_id, kind, ref_id) WHERE origin = 'flagged';
CREATE INDEX joint_candidates_body ON joint_candidates (body_id, state);

-- The requests of a case (one or several).
CREATE TABLE joint_candidate_requests (
    candidate_id INTEGER NOT NULL REFERENCES joint_candidates (id),
    request_id   INTEGER NOT NULL REFERENCES requests (id),
    PRIMARY KEY (candidate_id, request_id)
);
CREATE INDEX joint_candidate_requests_request ON joint_candidate_requests (request_id);

-- A meeting is its event log (joint_meeting_events); joint_meetings is the projection row,
-- written with each event only if `version` is still the one the step was decided on.
CREATE TABLE joint_meetings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    body_id     INTEGER NOT NULL REFERENCES joint_bodies (id),
    kind        TEXT NOT NULL,
    day         TEXT NOT NULL,
    state       TEXT NOT NULL,
    number      INTEGER,
    number_text TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    version     INTEGER NOT NULL
);
CREATE INDEX joint_meetings_body ON joint_meetings (body_id, day);

CREATE TABLE joint_meeting_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES joint_meetings (id),
    seq        INTEGER NOT NULL,
    action     TEXT NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    data       TEXT NOT NULL,
    UNIQUE (meeting_id, seq)
);

-- The action item each decision of issued minutes became, with when its case was first
-- admitted (carry-over counts the age from then).
CREATE TABLE joint_decision_items (
    meeting_id        INTEGER NOT NULL REFERENCES joint_meetings (id),
    item_no           INTEGER NOT NULL,
    decision_no       INTEGER NOT NULL,
    action_item_id    INTEGER NOT NULL REFERENCES action_items (id),
    first_admitted_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, item_no, decision_no)
);
CREATE UNIQUE INDEX joint_decision_items_item ON joint_decision_items (action_item_id);
