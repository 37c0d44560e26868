-- Search at the scale of a city (100,000 buildings): every layer's names
-- and key are indexed for "contains" matches, which a B-tree cannot serve.
--
-- A text of three characters or more is matched through a trigram index
-- (pg_trgm, GIN). Most Chinese searches are shorter (驿站, 停车, 西岳), and
-- a trigram needs three characters, so a one- or two-character text is
-- matched through a second GIN index of the single characters and pairs
-- of characters of the same text (what pg_bigm does, which PostgreSQL does
-- not ship). Both index partymap_search_text: the names and the key, lower
-- case, separated by a control character no search text may hold, so that
-- a match never spans two of them. The store's search uses exactly these
-- expressions (internal/postgis/search.go).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION partymap_search_text(name_zh text, name_en text, code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(coalesce(name_zh, '') || chr(31) || coalesce(name_en, '') || chr(31) || coalesce(code, ''));
$$;

-- The single characters and the pairs of neighbouring characters of t.
-- Its cost tells the planner that computing it row by row (a scan of a
-- small table) is dearer than its index, which holds it computed.
CREATE FUNCTION partymap_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 1000 AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
        SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) i
        UNION ALL
        SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) i) s;
$$;

-- partymap_index_search indexes a layer's names (and its code, when it has
-- a column of that name: the catalogue's Key) for search. The indexes take
-- each write at once (fastupdate off): a pending list, which GIN keeps for
-- fast bulk writes, is read in full by every search until a vacuum, and
-- edits of names are few.
CREATE FUNCTION partymap_index_search(layer text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    expr text;
BEGIN
    expr := format('partymap_search_text(name_zh, name_en, %s)',
        CASE WHEN EXISTS (SELECT 1 FROM information_schema.columns
                          WHERE table_schema = current_schema() AND table_name = layer AND column_name = 'code')
             THEN 'code' ELSE 'NULL' END);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (%s gin_trgm_ops) WITH (fastupdate = off)', layer || '_search_trgm_idx', layer, expr);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (partymap_grams(%s)) WITH (fastupdate = off)', layer || '_search_grams_idx', layer, expr);
END;
$$;

-- Every registered layer (one with its track trigger), whichever migration
-- made it.
SELECT partymap_index_search(event_object_table::text)
FROM (SELECT DISTINCT event_object_table FROM information_schema.triggers
      WHERE trigger_schema = current_schema() AND trigger_name = event_object_table || '_track') t;

-- A layer registered from now on is indexed for search too.
CREATE OR REPLACE FUNCTION partymap_register_layer(layer text) RETURNS void
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
    PERFORM partymap_index_search(layer);
END;
$$;
