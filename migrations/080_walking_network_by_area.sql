-- The walking network rebuilt only where an edit touched it (issue 15).
--
-- walk_ways keeps what the graph was cut from: every way (street, path)
-- with its ends moved onto the ways they meet and the ends of others
-- snapped into it, as the rebuild nodes them (internal/postgis/walk.go).
-- An edit compares the ways near it with what walk_ways holds: the ways it
-- moved are the ones whose neighbours must be cut anew; the others' edges
-- stay. Like walk_nodes and walk_edges it is derived, rebuilt whole after
-- the migrations, and never edited by hand.
CREATE TABLE walk_ways (
    layer   text NOT NULL,
    fid     bigint NOT NULL,
    name_zh text NOT NULL,
    name_en text NOT NULL,
    geom    geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (layer, fid)
);
CREATE INDEX walk_ways_geom_idx ON walk_ways USING gist (geom);

-- An edit deletes the edges of the ways it cuts anew, and the nodes no
-- edge ends at any more.
CREATE INDEX walk_edges_feature_idx ON walk_edges (layer, feature_id);
CREATE INDEX walk_edges_source_idx ON walk_edges (source);
CREATE INDEX walk_edges_target_idx ON walk_edges (target);
