-- Editing clients that cannot send If-Match (QGIS 3.32+ edits OGC API –
-- Features without it) write through a token made for them with
-- `mapserver token add -unconditional`. Each such write is still a new
-- version in the history; what it overwrote of a colleague's change is
-- noted on its history row, for the history and the audit to show.

ALTER TABLE api_tokens ADD COLUMN unconditional boolean NOT NULL DEFAULT false;

-- note: what the application says about a change beyond who and why (an
-- unconditional write and the changes of others it overwrote).
ALTER TABLE history ADD COLUMN note jsonb;

-- The application sets the transaction-local setting partymap.note to
-- {"layer": …, "id": …, …}; the history row of that item takes it.
CREATE FUNCTION partymap_history_note() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n jsonb := nullif(current_setting('partymap.note', true), '')::jsonb;
BEGIN
    IF n IS NOT NULL AND n->>'layer' = NEW.layer AND (n->>'id')::bigint = NEW.feature_id THEN
        NEW.note := n - 'layer' - 'id';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER history_note BEFORE INSERT ON history
    FOR EACH ROW EXECUTE FUNCTION partymap_history_note();
