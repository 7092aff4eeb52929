-- The same columns as on PostgreSQL (see there why). SQLite has one writer at a time and
-- draws ids inside its write lock, so ids become visible in order: `tx` stays 0 and the
-- refresh needs only the watermark.
ALTER TABLE events ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ledger_state ADD COLUMN event_xmax INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ledger_state ADD COLUMN event_running TEXT NOT NULL DEFAULT '';
