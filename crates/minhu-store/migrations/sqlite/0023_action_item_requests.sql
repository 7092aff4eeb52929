-- The requests (工单) an action item resolves (issue 14): a joint meeting's 议定事项 ties its
-- items to the 疑难件 it decided, a council decision to the requests it spawned. The requests
-- stay open with their own SLA; the link lets each request's timeline show the item's steps
-- and each item's page name its requests. Written once, with the item's first event.
CREATE TABLE action_item_requests (
    item_id    INTEGER NOT NULL REFERENCES action_items (id),
    request_id INTEGER NOT NULL REFERENCES requests (id),
    PRIMARY KEY (item_id, request_id)
);
CREATE INDEX action_item_requests_request ON action_item_requests (request_id);
