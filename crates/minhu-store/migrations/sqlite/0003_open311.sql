-- Schema version 3: the service catalogue (categories, also Open311's services), Open311 API
-- keys, batch tokens and FixMyStreet-style service request updates.
-- Kept in step with migrations/postgres/0003_open311.sql (same tables, columns and meaning).

-- The catalogue: the accepted classes (parent NULL) and their services, and the 便民服务事项.
-- A request's `category` holds a code from here (or, for older data, the label `path`).
CREATE TABLE categories (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    parent       TEXT REFERENCES categories (code),
    group_name   TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    keywords     TEXT NOT NULL DEFAULT '',
    -- The 3-level label path (一级/二级/三级) that requests may carry instead of the code.
    path         TEXT,
    -- Open311 service type: realtime (POST answers the id) or batch (POST answers a token).
    service_type TEXT NOT NULL DEFAULT 'realtime' CHECK (service_type IN ('realtime', 'batch')),
    -- Open311 service definition attributes: [{code, datatype, required, description, order, values}]
    attributes   TEXT NOT NULL DEFAULT '[]',
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    sort         INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX categories_path ON categories (path) WHERE path IS NOT NULL;

-- Keys of Open311 clients (only the SHA-256 of the key is kept).
CREATE TABLE open311_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX open311_keys_name ON open311_keys (name);

-- Tokens answered by POSTs to batch services, resolved by GET tokens/{token}.
CREATE TABLE open311_tokens (
    token      TEXT PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests (id),
    key_id     INTEGER NOT NULL REFERENCES open311_keys (id),
    created_at TEXT NOT NULL
);

-- Updates POSTed by clients (FixMyStreet servicerequestupdates), idempotent per key and update_id.
CREATE TABLE open311_updates (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id           INTEGER NOT NULL REFERENCES open311_keys (id),
    update_id        TEXT NOT NULL,
    request_id       INTEGER NOT NULL REFERENCES requests (id),
    status           TEXT NOT NULL,
    description      TEXT NOT NULL,
    updated_datetime TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    -- The event the update became (an urge), if any.
    event_seq        INTEGER,
    UNIQUE (key_id, update_id)
);

-- Media of Open311 requests: a client's media_url, or a file uploaded with the POST.
CREATE TABLE open311_media (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   INTEGER NOT NULL REFERENCES requests (id),
    url          TEXT,
    filename     TEXT,
    content_type TEXT,
    data         BLOB,
    created_at   TEXT NOT NULL
);
CREATE INDEX open311_media_request ON open311_media (request_id, id);

-- Open311 lists requests by requested and updated datetime.
CREATE INDEX requests_received_at ON requests (received_at);
CREATE INDEX requests_updated_at ON requests (updated_at);
