-- The requester's rating key (评价码): only its SHA-256, never the key. `used_at` is set
-- when the requester has rated with it (one rating per key); `sms_outbox_id` is the SMS
-- that carried it, whose text is blanked once the key is used.
CREATE TABLE rating_keys (
    request_id    INTEGER PRIMARY KEY REFERENCES requests (id),
    key_hash      TEXT NOT NULL,
    sms_outbox_id INTEGER,
    created_at    TEXT NOT NULL,
    used_at       TEXT
);

-- Rating attempts with a key not yet known to be right, per request: the limiter every
-- server shares. A right key removes its own row; old rows are removed as new ones come.
CREATE TABLE rating_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES requests (id),
    at         TEXT NOT NULL
);
CREATE INDEX rating_attempts_request ON rating_attempts (request_id, at);
