-- Change sets and proposals (the editing workflow of issue 17).
--
-- 1. change_sets: one row per edit as staff think of it (everything one
--    save changed together), with who, when, why (reason and comment),
--    the change set it undid and the proposal it applied. The store's
--    editor makes one for each transaction that writes, and says which in
--    the transaction-local setting partymap.change_set, as it says who in
--    partymap.user (002):
--      SELECT set_config('partymap.change_set', '42', true);
-- 2. history.change_set: every history row names its change set. The
--    column's default reads the setting, so the history trigger
--    (partymap_track, 002/006) writes it without a change: the trigger
--    stays as it is, and a change in plain SQL has none (NULL).
-- 3. proposals: a grid's new outline that changes grids outside its
--    proposer's scope, waiting for their editors' agreement (see
--    internal/geo/proposal.go). Every new or changed proposal is announced
--    on partymap_change as {"proposal": {id, state, grids}}: no names of
--    people, since anyone may listen to the event stream.

CREATE TABLE change_sets (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    who      text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    reason   text NOT NULL,
    comment  text NOT NULL DEFAULT '',
    reverts  bigint REFERENCES change_sets (id),
    proposal bigint
);

CREATE INDEX change_sets_reverts_idx ON change_sets (reverts) WHERE reverts IS NOT NULL;

ALTER TABLE history ADD COLUMN change_set bigint REFERENCES change_sets (id);
ALTER TABLE history ALTER COLUMN change_set SET DEFAULT nullif(current_setting('partymap.change_set', true), '')::bigint;
CREATE INDEX history_change_set_idx ON history (change_set) WHERE change_set IS NOT NULL;

CREATE TABLE proposals (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- the grid whose outline was drawn, on this version of it
    grid_id    bigint NOT NULL,
    version    bigint NOT NULL,
    shape      geometry(Polygon, 4326) NOT NULL,
    comment    text NOT NULL CHECK (comment <> ''),
    proposer   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- every grid it changes: [{"id", "key", "name": {"zh", "en"}, "version"}]
    grids      jsonb NOT NULL,
    -- the codes of the grids whose editors must agree, and the codes of
    -- every grid it changes (what the event says)
    needs      text[] NOT NULL,
    grid_codes text[] NOT NULL,
    -- [{"grid", "who", "at"}]
    agreed     jsonb NOT NULL DEFAULT '[]',
    -- what it changes as drawn: [{"feature", "old_version", "before",
    -- "after" (GeoJSON), "gained_m2", "lost_m2", "note_zh", "note_en"}]
    preview    jsonb NOT NULL,
    state      text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'declined', 'withdrawn')),
    decided_by text,
    decided_at timestamptz,
    note       text NOT NULL DEFAULT '',
    change_set bigint REFERENCES change_sets (id)
);

CREATE INDEX proposals_state_idx ON proposals (state, id);
CREATE INDEX proposals_grid_codes_idx ON proposals USING gin (grid_codes);

ALTER TABLE change_sets ADD CONSTRAINT change_sets_proposal_fkey FOREIGN KEY (proposal) REFERENCES proposals (id);

CREATE FUNCTION partymap_proposal_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('partymap_change', json_build_object('proposal', json_build_object(
        'id', NEW.id, 'state', NEW.state, 'grids', NEW.grid_codes))::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER proposals_notify AFTER INSERT OR UPDATE ON proposals
    FOR EACH ROW EXECUTE FUNCTION partymap_proposal_notify();
