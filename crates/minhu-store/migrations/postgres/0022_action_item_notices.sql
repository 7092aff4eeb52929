-- Schema version 23 (issue 13, the shared governance base): the owner unit of a 督办事项 is
-- told of its issue and of each 催办/督办/通报 through the outbox, and the district office
-- acts for a unit of its own. Kept in step with the sqlite folder.
--
-- A unit may be marked as the office of its jurisdiction (区综合办公室 of a district, whose
-- code is not the district's): the unit the jurisdiction's staff act for.
ALTER TABLE units ADD COLUMN office BOOLEAN NOT NULL DEFAULT FALSE;

-- The outbox names what a message is about (subject_kind, subject_id): a request, as every
-- message so far (request_id kept, equal to subject_id), or an action item (request_id
-- NULL).
ALTER TABLE outbox ALTER COLUMN request_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'request';
ALTER TABLE outbox ADD COLUMN subject_id BIGINT;
UPDATE outbox SET subject_id = request_id;
ALTER TABLE outbox ALTER COLUMN subject_id SET NOT NULL;
ALTER TABLE outbox ADD CONSTRAINT outbox_subject CHECK (
    CASE WHEN subject_kind = 'request' THEN request_id IS NOT NULL AND request_id = subject_id
         ELSE request_id IS NULL END);
-- Delivery stays in order per subject and target (the sender's claim).
CREATE INDEX outbox_subject_order ON outbox (subject_kind, subject_id, target, id) WHERE delivered_at IS NULL;
