-- What every layer table has, given by one function, so that a new layer's
-- migration is its CREATE TABLE (id, the catalogue's fields, geom) and
--   SELECT partymap_register_layer('gates');
-- and derived grid codes kept by the store: parking gets one, and every
-- grid_code a feature's position gives (posts, organizations, parking,
-- buildings) names an existing grid.

-- partymap_register_layer gives a layer table the bookkeeping columns
-- (version, updated_at, updated_by), a check that its geometry is valid,
-- its GiST index, the Web Mercator copy of its geometry that tiles read
-- (004) with its own index, and the stamp and track triggers that bump the
-- version and write the history and the change notification (002). The
-- geometry type comes from the table's geom column.
CREATE FUNCTION partymap_register_layer(layer text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    kind text;
BEGIN
    SELECT type INTO kind FROM geometry_columns
    WHERE f_table_schema = current_schema() AND f_table_name = layer AND f_geometry_column = 'geom' AND srid = 4326;
    IF kind IS NULL THEN
        RAISE EXCEPTION 'layer table % needs a column geom of a geometry type in SRID 4326, such as geometry(Point, 4326)', layer;
    END IF;
    EXECUTE format('ALTER TABLE %I
        ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1,
        ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN IF NOT EXISTS updated_by text NOT NULL DEFAULT %L,
        ADD CONSTRAINT %I CHECK (ST_IsValid(geom)),
        ADD COLUMN geom_3857 geometry(%s, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED',
        layer, 'system', layer || '_geom_valid', kind);
    EXECUTE format('CREATE INDEX %I ON %I USING gist (geom)', layer || '_geom_idx', layer);
    EXECUTE format('CREATE INDEX %I ON %I USING gist (geom_3857)', layer || '_geom_3857_idx', layer);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION partymap_stamp()', layer || '_stamp', layer);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION partymap_track()', layer || '_track', layer);
END;
$$;

-- The grid a car park lies in, derived like a post's.
ALTER TABLE parking ADD COLUMN grid_code text;

-- Derived grid codes: what each feature's position gives (the grid that
-- covers a point, the lowest code on a shared edge; the grid that covers
-- the most of a polygon), recorded in the history as a migration. A new
-- database has no rows yet; an old one may hold codes a writer typed.
SELECT set_config('partymap.user', 'migration', true), set_config('partymap.reason', 'migrate', true);

UPDATE posts t SET grid_code = d.code
FROM posts p LEFT JOIN LATERAL (SELECT g.code FROM grids g WHERE ST_Covers(g.geom, p.geom) ORDER BY g.code LIMIT 1) d ON true
WHERE t.id = p.id AND t.grid_code IS DISTINCT FROM d.code;

UPDATE organizations t SET grid_code = d.code
FROM organizations p LEFT JOIN LATERAL (SELECT g.code FROM grids g WHERE ST_Covers(g.geom, p.geom) ORDER BY g.code LIMIT 1) d ON true
WHERE t.id = p.id AND t.grid_code IS DISTINCT FROM d.code;

UPDATE parking t SET grid_code = d.code
FROM parking p LEFT JOIN LATERAL (SELECT g.code FROM grids g WHERE ST_Intersects(g.geom, p.geom)
    ORDER BY ST_Area(ST_Intersection(g.geom, p.geom)) DESC, g.code LIMIT 1) d ON true
WHERE t.id = p.id AND t.grid_code IS DISTINCT FROM d.code;

UPDATE buildings t SET grid_code = d.code
FROM buildings p LEFT JOIN LATERAL (SELECT g.code FROM grids g WHERE ST_Intersects(g.geom, p.geom)
    ORDER BY ST_Area(ST_Intersection(g.geom, p.geom)) DESC, g.code LIMIT 1) d ON true
WHERE t.id = p.id AND t.grid_code IS DISTINCT FROM d.code;

-- A derived code names a grid, like a compound's: a grid's new code
-- follows to what lies in it, and a deleted grid's features must have
-- been reassigned (the store does it) by the end of the transaction.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['posts', 'organizations', 'parking', 'buildings']
    LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (grid_code) REFERENCES grids (code) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED',
            t, t || '_grid_code_fkey');
        EXECUTE format('CREATE INDEX %I ON %I (grid_code)', t || '_grid_code_idx', t);
    END LOOP;
END;
$$;
