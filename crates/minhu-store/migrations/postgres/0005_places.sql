-- Schema version 5 (issue 02): grids as polygons and known addresses, to resolve a point
-- or an address to its grid and community. Same in both backends.

CREATE TABLE grid_shapes (
    jurisdiction TEXT PRIMARY KEY REFERENCES jurisdictions (code),
    geojson      TEXT NOT NULL
);

-- Buildings and other known addresses (normalised text → jurisdiction, usually a grid).
CREATE TABLE addresses (
    address      TEXT PRIMARY KEY,
    jurisdiction TEXT NOT NULL REFERENCES jurisdictions (code),
    lat          DOUBLE PRECISION,
    lon          DOUBLE PRECISION
);
