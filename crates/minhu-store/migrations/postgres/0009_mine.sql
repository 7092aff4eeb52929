-- Schema version 9 (issue 03): "my requests" in the staff queue — those a person registered
-- or acted on — found through the log by actor.
CREATE INDEX events_actor ON events (actor, request_id);
