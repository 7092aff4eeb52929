-- Schema version 11: one index on the jurisdiction path. `requests_jpath_received`
-- (jpath, received_at) answers every path-prefix filter that `requests_jpath` (jpath, id)
-- did, and each intake and import paid for both.
DROP INDEX IF EXISTS requests_jpath;
