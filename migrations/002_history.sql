-- Append-only history: every insert, update and delete of a layer row,
-- whether made through the API, an import or plain SQL, is written here by a
-- trigger, with the geometry and properties before and after. A change also
-- announces itself on the channel partymap_change (LISTEN/NOTIFY) with the
-- bounding box it touched, so every server instance can drop stale tiles.
--
-- The application says who and why with transaction-local settings:
--   SELECT set_config('partymap.user', 'alice', true),
--          set_config('partymap.reason', 'edit', true);
-- Changes made in plain SQL are recorded as the database user, reason 'sql'.

CREATE TABLE history (
    id         bigserial PRIMARY KEY,
    layer      text NOT NULL,
    feature_id bigint NOT NULL,
    version    bigint NOT NULL,
    operation  text NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    reason     text NOT NULL,
    old_geom   geometry(Geometry, 4326),
    new_geom   geometry(Geometry, 4326),
    old_props  jsonb,
    new_props  jsonb,
    who        text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX history_feature_idx ON history (layer, feature_id, version);
CREATE INDEX history_at_idx ON history (at);
CREATE INDEX history_who_idx ON history (who, at);

CREATE FUNCTION history_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'history is append-only: % is not allowed', TG_OP;
END;
$$;

CREATE TRIGGER history_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON history
    FOR EACH STATEMENT EXECUTE FUNCTION history_refuse_change();

-- Who made the change: the application's setting, else the database user.
CREATE FUNCTION partymap_actor() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('partymap.user', true), ''), 'sql:' || session_user);
$$;

-- Stamps version, updated_at and updated_by before a row is written.
CREATE FUNCTION partymap_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    NEW.updated_by := partymap_actor();
    IF TG_OP = 'UPDATE' THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END;
$$;

-- The properties of a row as JSON: every column but the bookkeeping ones.
CREATE FUNCTION partymap_props(row_data jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT row_data - 'geom' - 'version' - 'updated_at' - 'updated_by';
$$;

-- Writes the history row and announces the change.
CREATE FUNCTION partymap_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_g geometry;
    new_g geometry;
    touched box2d;
    fid bigint;
    ver bigint;
    seq bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_g := OLD.geom;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_g := NEW.geom;
    END IF;
    IF TG_OP = 'DELETE' THEN
        fid := OLD.id;
        ver := OLD.version + 1;
    ELSE
        fid := NEW.id;
        ver := NEW.version;
    END IF;

    INSERT INTO history (layer, feature_id, version, operation, reason, old_geom, new_geom, old_props, new_props, who)
    VALUES (
        TG_TABLE_NAME, fid, ver, lower(TG_OP),
        coalesce(nullif(current_setting('partymap.reason', true), ''), 'sql'),
        old_g, new_g,
        CASE WHEN TG_OP <> 'INSERT' THEN partymap_props(to_jsonb(OLD)) END,
        CASE WHEN TG_OP <> 'DELETE' THEN partymap_props(to_jsonb(NEW)) END,
        partymap_actor()
    )
    RETURNING id INTO seq;

    touched := ST_Extent(g) FROM (VALUES (old_g), (new_g)) AS t (g);
    PERFORM pg_notify('partymap_change', json_build_object(
        'seq', seq,
        'layer', TG_TABLE_NAME,
        'id', fid,
        'version', ver,
        'op', lower(TG_OP),
        'bbox', json_build_array(ST_XMin(touched), ST_YMin(touched), ST_XMax(touched), ST_YMax(touched))
    )::text);
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['grids', 'compounds', 'buildings', 'parking', 'posts', 'organizations', 'streets', 'landmarks', 'community']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION partymap_stamp()', t || '_stamp', t);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION partymap_track()', t || '_track', t);
    END LOOP;
END;
$$;
