-- The ledger refresh folds the event log in by event id. On PostgreSQL an id is drawn when
-- its row is inserted, not when its transaction commits: a long import, or another server's
-- writer, can commit id 100 after id 101 is already visible, and a watermark at 101 would
-- skip it for good. Each event now records the transaction that wrote it, and the refresh
-- remembers the transactions still running when it read the log, to look at their events
-- again next time (see store/src/ledger_horizon.rs).
ALTER TABLE events ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX events_tx ON events (tx);
ALTER TABLE ledger_state ADD COLUMN event_xmax BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ledger_state ADD COLUMN event_running TEXT NOT NULL DEFAULT '';
