-- Schema version 6 (issue 03): the web's login sessions and the photos attached to requests.

-- A login session: only the SHA-256 of the cookie's random token is kept.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- A photo, by the SHA-256 of its (location-stripped) bytes. The bytes live in a folder
-- beside an SQLite file, or in `bytes` (PostgreSQL, in-memory SQLite). The camera's GPS
-- position is kept here for staff only and is removed from the bytes that are served.
CREATE TABLE attachments (
    hash       TEXT PRIMARY KEY,
    mime       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    bytes      BYTEA,
    exif_lat   DOUBLE PRECISION,
    exif_lon   DOUBLE PRECISION,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE request_attachments (
    request_id BIGINT NOT NULL REFERENCES requests (id),
    hash       TEXT NOT NULL REFERENCES attachments (hash),
    name       TEXT,
    PRIMARY KEY (request_id, hash)
);

-- The public walls filter by category within a jurisdiction.
CREATE INDEX requests_category ON requests (category, id);
