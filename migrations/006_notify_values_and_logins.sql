-- Change announcements carry the values a live viewer needs, and logins
-- remember where each user has logged in from.
--
-- 1. partymap_track takes, as trigger arguments, the names of columns whose
--    new values the announcement carries ("values": {"free": 5, ...}), so
--    that an event stream can pass a car park's spaces on without reading
--    the history for every change. Only columns named here travel; never
--    personal data such as phone numbers. Deletions carry none. A layer
--    whose announcements should carry values re-creates its _track
--    trigger (made by partymap_register_layer, 005) with their names, as
--    parking does below.
-- 2. login_addresses: the client addresses each user has logged in from, so
--    that a name being guessed at is slowed down everywhere but where its
--    owner logs in. login_attempts is purged by age, by its own index.

CREATE OR REPLACE FUNCTION partymap_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_g geometry;
    new_g geometry;
    touched box2d;
    fid bigint;
    ver bigint;
    seq bigint;
    carried jsonb;
    new_row jsonb;
    col text;
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

    IF TG_OP <> 'DELETE' AND TG_NARGS > 0 THEN
        new_row := to_jsonb(NEW);
        carried := '{}';
        FOREACH col IN ARRAY TG_ARGV LOOP
            carried := carried || jsonb_build_object(col, new_row -> col);
        END LOOP;
    END IF;

    touched := ST_Extent(g) FROM (VALUES (old_g), (new_g)) AS t (g);
    PERFORM pg_notify('partymap_change', json_build_object(
        'seq', seq,
        'layer', TG_TABLE_NAME,
        'id', fid,
        'version', ver,
        'op', lower(TG_OP),
        'bbox', json_build_array(ST_XMin(touched), ST_YMin(touched), ST_XMax(touched), ST_YMax(touched)),
        'values', carried
    )::text);
    RETURN NULL;
END;
$$;

DROP TRIGGER parking_track ON parking;
CREATE TRIGGER parking_track AFTER INSERT OR UPDATE OR DELETE ON parking
    FOR EACH ROW EXECUTE FUNCTION partymap_track('free', 'capacity');

CREATE TABLE login_addresses (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip         text NOT NULL,
    last_ok_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, ip)
);

CREATE INDEX login_attempts_at_idx ON login_attempts (at);
