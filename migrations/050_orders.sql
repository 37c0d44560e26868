-- Residents' voice on the map (issue 11): orders placed by the public
-- (problems for the problem wall, needs for the three-order system), the
-- party members who carry them out, and the append-only points ledger.
--
-- 1. orders is a layer like the others (partymap_register_layer: version,
--    history, notifications, tile geometry); its grid and community are
--    derived from its point by the store. Its announcements carry the
--    status, so that an event stream passes on only published orders.
-- 2. order_contacts keeps what must never be public, outside the layer, so
--    outside the history, the notifications, the tiles and every answer:
--    the hash of the tracking code and the submitter's phone, which is
--    deleted a while after the order ends (the store's EraseContacts).
-- 3. members and points: the party members known to the system, and what
--    each earned for which order, appended only.

-- A layer without names (an order has none) is not searched, so not
-- indexed for search (021).
CREATE OR REPLACE FUNCTION partymap_index_search(layer text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    expr text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = layer AND column_name = 'name_zh') THEN
        RETURN;
    END IF;
    expr := format('partymap_search_text(name_zh, name_en, %s)',
        CASE WHEN EXISTS (SELECT 1 FROM information_schema.columns
                          WHERE table_schema = current_schema() AND table_name = layer AND column_name = 'code')
             THEN 'code' ELSE 'NULL' END);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (%s gin_trgm_ops) WITH (fastupdate = off)', layer || '_search_trgm_idx', layer, expr);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (partymap_grams(%s)) WITH (fastupdate = off)', layer || '_search_grams_idx', layer, expr);
END;
$$;

CREATE TABLE orders (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('problem', 'need')),
    category     text CHECK (category IN ('sanitation', 'repair', 'neighbours', 'safety', 'parking', 'tourism', 'other')),
    text         text NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    status       text NOT NULL CHECK (status IN ('submitted', 'published', 'rejected', 'claimed', 'assigned', 'done', 'confirmed', 'reopened')),
    answer       text CHECK (length(answer) <= 1000),
    reason       text CHECK (length(reason) <= 1000),
    branch_zh    text,
    branch_en    text,
    member_id    bigint,
    submitted_at text NOT NULL,
    published_at text,
    rejected_at  text,
    claimed_at   text,
    assigned_at  text,
    done_at      text,
    confirmed_at text,
    reopened_at  text,
    grid_code    text REFERENCES grids (code) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
    community    text REFERENCES communities (code) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
    geom         geometry(Point, 4326) NOT NULL
);

SELECT partymap_register_layer('orders');

DROP TRIGGER orders_track ON orders;
CREATE TRIGGER orders_track AFTER INSERT OR UPDATE OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION partymap_track('status');

CREATE INDEX orders_grid_code_idx ON orders (grid_code);
CREATE INDEX orders_community_idx ON orders (community);
CREATE INDEX orders_status_idx ON orders (status, submitted_at);

CREATE TABLE order_contacts (
    order_id     bigint PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    code_hash    text NOT NULL UNIQUE,
    phone        text,
    submitted_at timestamptz NOT NULL
);

CREATE TABLE members (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    grid_code  text NOT NULL REFERENCES grids (code) ON UPDATE CASCADE,
    account    text REFERENCES users (name) ON UPDATE CASCADE ON DELETE SET NULL,
    public     boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL
);

CREATE INDEX members_grid_idx ON members (grid_code);

CREATE TABLE points (
    id        bigserial PRIMARY KEY,
    member_id bigint NOT NULL REFERENCES members (id),
    order_id  bigint NOT NULL REFERENCES orders (id),
    points    integer NOT NULL,
    reason    text NOT NULL,
    who       text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, member_id, reason)
);

CREATE INDEX points_member_idx ON points (member_id, at);

CREATE FUNCTION points_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the points ledger is append-only: % is not allowed', TG_OP;
END;
$$;

-- Lines are never changed or deleted. TRUNCATE, which empties the whole
-- ledger at once, stays possible for replacing a map's data wholesale
-- (gencity -replace), where the orders and branches it refers to go too.
CREATE TRIGGER points_append_only
    BEFORE UPDATE OR DELETE ON points
    FOR EACH STATEMENT EXECUTE FUNCTION points_refuse_change();
