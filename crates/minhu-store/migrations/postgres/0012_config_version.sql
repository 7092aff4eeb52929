-- One counter of the reference data (organisation, calendar, SLA policy, subscriptions,
-- dispatch rules, grids): every change bumps it, and servers that see it move reload.
CREATE TABLE config_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);
