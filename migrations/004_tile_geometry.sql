-- Vector tiles are cut in Web Mercator (EPSG:3857). Every layer keeps its
-- geometry projected once, in a generated column with its own GiST index,
-- so that a tile query neither reprojects rows nor misses the index. The
-- column follows geom by itself (plain SQL edits included) and is never
-- written directly; the history leaves it out.

DO $$
DECLARE
    t text;
    kind text;
BEGIN
    FOR t, kind IN VALUES
        ('community', 'Polygon'), ('grids', 'Polygon'), ('compounds', 'Polygon'),
        ('buildings', 'Polygon'), ('parking', 'Polygon'), ('posts', 'Point'),
        ('organizations', 'Point'), ('streets', 'LineString'), ('landmarks', 'Polygon')
    LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN geom_3857 geometry(%s, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED', t, kind);
        EXECUTE format('CREATE INDEX %I ON %I USING gist (geom_3857)', t || '_geom_3857_idx', t);
    END LOOP;
END;
$$;

-- The properties of a row as JSON: every column but the bookkeeping ones
-- and the derived tile geometry.
CREATE OR REPLACE FUNCTION partymap_props(row_data jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT row_data - 'geom' - 'geom_3857' - 'version' - 'updated_at' - 'updated_by';
$$;
