-- An exclusion from scoring is proposed by one district admin and approved by another:
-- the proposal waits here; only an approved exclusion (evaluation_exclusions) changes a
-- figure. The approved row keeps who proposed it.
CREATE TABLE exclusion_proposals (
    request_id  INTEGER PRIMARY KEY REFERENCES requests (id),
    reason      TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL
);

ALTER TABLE evaluation_exclusions ADD COLUMN proposed_by TEXT;
