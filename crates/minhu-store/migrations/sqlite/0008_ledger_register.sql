-- Schema version 8 (issue 04): the daily register's columns that a request's event log
-- decides (minhu_ledger::RegisterFacts as JSON), kept per request by the ledger refresh
-- beside its facts, so a large register reads rows instead of replaying every log.
-- Kept in step with migrations/postgres/0008_ledger_register.sql.

ALTER TABLE ledger_requests ADD COLUMN register TEXT;

-- Facts built before this column existed are rebuilt by the next refresh (policy version
-- 0 never matches the policy in force).
UPDATE ledger_state SET event_watermark = 0, policy_version = 0 WHERE id = 1;
