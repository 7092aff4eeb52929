-- Schema version 14 (issue 08): several senders on one database. A sender claims a message
-- for a lease (claimed_until, claimed_by) before sending it, so two servers never send it
-- at once and a crashed server's claims are taken again once the lease lapses; a message
-- that failed too often is dead-lettered (dead_at) and no longer retried until an admin
-- retries it. Kept in step with the postgres folder.
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN dead_at TEXT;
-- The admins' list of failing and dead deliveries: only messages tried at least once.
CREATE INDEX outbox_failing ON outbox (id) WHERE delivered_at IS NULL AND attempts > 0;
