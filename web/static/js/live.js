// live.js keeps the map's tiles current while the page stays open.
//
// Every committed change reaches the page on the event stream (/api/events).
// The server has already dropped exactly the tiles the change touched, but
// the browser's own HTTP cache may hold them for a while (max-age plus
// stale-while-revalidate). So after a change the tile addresses get a new
// version parameter, v=<change seq>, which the server accepts and ignores
// for its cache: MapLibre fetches the tiles again, the untouched ones come
// straight from the server's memory, and the changed ones are rendered anew.
//
// This is the page's one event stream. It also hands what it hears on to
// the rest of the viewer as events on window: "partymap:change" ({seq,
// layer, id, version, op, bbox}), "partymap:parking" ({id, free,
// capacity}), "partymap:proposal" ({id, state, grids}) and "partymap:live"
// ('connected' | 'reconnecting', also kept in
// document.documentElement.dataset.live).

import { SOURCE } from './style.js';

const SETTLE_MS = 250; // a burst of changes (a reshape, an import) reloads once

export function followChanges(map, sourceId = SOURCE) {
  if (typeof EventSource !== 'function') return () => {};
  const events = new EventSource(new URL('api/events', document.baseURI));
  let latest = 0;
  let timer = null;

  const apply = () => {
    timer = null;
    const source = map.getSource(sourceId);
    if (!source || !Array.isArray(source.tiles)) return;
    source.setTiles(source.tiles.map((url) => `${url.replace(/\?v=\d+$/, '')}?v=${latest}`));
    document.documentElement.dataset.tilesVersion = String(latest);
  };

  const tell = (name, detail) => window.dispatchEvent(new CustomEvent(name, { detail }));
  const parse = (ev) => {
    try {
      return JSON.parse(ev.data);
    } catch {
      return null;
    }
  };
  const status = (s) => {
    document.documentElement.dataset.live = s;
    tell('partymap:live', s);
  };

  events.addEventListener('change', (ev) => {
    const change = parse(ev);
    if (!change) return;
    latest = Math.max(latest, Number(change.seq) || 0);
    if (!timer) timer = setTimeout(apply, SETTLE_MS);
    tell('partymap:change', change);
  });
  events.addEventListener('parking', (ev) => {
    const lot = parse(ev);
    if (lot) tell('partymap:parking', lot);
  });
  // a boundary proposal was made or decided: the staff editor's desk looks
  events.addEventListener('proposal', (ev) => {
    const p = parse(ev);
    if (p) tell('partymap:proposal', p);
  });
  // too much was missed to replay: refetch every tile at the newest seq
  events.addEventListener('reset', (ev) => {
    const r = parse(ev);
    latest = Math.max(latest + 1, Number(r && r.seq) || 0);
    if (!timer) timer = setTimeout(apply, SETTLE_MS);
  });
  events.addEventListener('ready', () => status('connected'));
  events.addEventListener('error', () => status('reconnecting'));
  return () => events.close();
}
