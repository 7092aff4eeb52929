-- Schema version 19 (issue 13): grid workers' patrols, visits (入户走访), findings and the
-- 社情日记. Every patrol start, visit and finding carries the client's idempotency key
-- (UNIQUE): the phone's offline queue may send an item several times, the first row stays.
-- The diary's counts are never stored: they are computed from visits and findings of the
-- day; diary_days keeps only the narrative, the state and the community's comment. Kept in
-- step with the other backend's 0019_patrol.sql.

CREATE TABLE patrols (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_key  TEXT NOT NULL UNIQUE,
    worker      TEXT NOT NULL REFERENCES users (username),
    grid        TEXT NOT NULL REFERENCES jurisdictions (code),
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    state       TEXT NOT NULL DEFAULT 'in_progress' CHECK (state IN ('in_progress', 'done'))
);
CREATE INDEX patrols_worker ON patrols (worker, started_at);

CREATE TABLE visits (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    client_key       TEXT NOT NULL UNIQUE,
    worker           TEXT NOT NULL REFERENCES users (username),
    grid             TEXT NOT NULL REFERENCES jurisdictions (code),
    patrol_id        INTEGER REFERENCES patrols (id),
    household_id     INTEGER REFERENCES households (id),
    resident_id      INTEGER REFERENCES residents (id),
    place_id         INTEGER REFERENCES places (id),
    kind             TEXT NOT NULL CHECK (kind IN ('routine', 'care', 'dispute_check', 'policy', 'data_collection')),
    visited_at       TEXT NOT NULL,
    -- The Asia/Shanghai day of visited_at: the diary's and the workload's key.
    day              TEXT NOT NULL,
    duration_minutes INTEGER,
    notes            TEXT NOT NULL DEFAULT '',
    recorded_at      TEXT NOT NULL,
    -- A resident's visit names their household too; a place's names none.
    CHECK (household_id IS NOT NULL OR place_id IS NOT NULL)
);
CREATE INDEX visits_worker_day ON visits (worker, day);
CREATE INDEX visits_grid_at ON visits (grid, visited_at);
CREATE INDEX visits_household ON visits (household_id, visited_at);

-- A visit's photos, cleaned (EXIF and GPS stripped) and stored in attachments.
CREATE TABLE visit_photos (
    visit_id INTEGER NOT NULL REFERENCES visits (id),
    hash     TEXT NOT NULL REFERENCES attachments (hash),
    name     TEXT,
    PRIMARY KEY (visit_id, hash)
);

CREATE TABLE findings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_key  TEXT NOT NULL UNIQUE,
    visit_id    INTEGER REFERENCES visits (id),
    patrol_id   INTEGER REFERENCES patrols (id),
    worker      TEXT NOT NULL REFERENCES users (username),
    grid        TEXT NOT NULL REFERENCES jurisdictions (code),
    class       TEXT NOT NULL CHECK (class IN ('dispute', 'appeal', 'suggestion', 'public_security', 'fire_hazard', 'sanitation', 'other')),
    category    TEXT,
    text        TEXT NOT NULL,
    location    TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('solved_on_spot', 'reported')),
    request_id  INTEGER REFERENCES requests (id),
    found_at    TEXT NOT NULL,
    day         TEXT NOT NULL
);
CREATE INDEX findings_worker_day ON findings (worker, day);
CREATE INDEX findings_grid_day ON findings (grid, day);
CREATE INDEX findings_visit ON findings (visit_id);

CREATE TABLE diary_days (
    worker       TEXT NOT NULL REFERENCES users (username),
    day          TEXT NOT NULL,
    narrative    TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'submitted', 'commented')),
    submitted_at TEXT,
    comment      TEXT,
    commented_by TEXT,
    commented_at TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (worker, day)
);

-- Coverage per grid reads (grid, state, last_visit_at) from the index alone.
CREATE INDEX households_grid_visit ON households (grid, state, last_visit_at);
-- The cadence reads a household's active care tags through its residents.
CREATE INDEX IF NOT EXISTS patrol_residents_household ON residents (household_id);
CREATE INDEX IF NOT EXISTS patrol_care_tags_resident ON care_tags (resident_id, state);
