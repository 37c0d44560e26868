// live.js keeps the map's tiles current while the page stays open.
//
// Every committed change reaches the page on the event stream (/api/events).
// The server has already dropped exactly the tiles the change touched, but
// the browser's own HTTP cache may hold them for a while (max-age plus
// stale-while-revalidate). So after a change the tile addresses get a new
// version parameter, v=<change seq>, which the server accepts and ignores
// for its cache: MapLibre fetches the tiles again, the untouched ones come
// straight from the server's memory, and the changed ones are rendered anew.

const SETTLE_MS = 250; // a burst of changes (a reshape, an import) reloads once

export function followChanges(map, sourceId = 'partymap') {
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

  events.addEventListener('change', (ev) => {
    let change;
    try {
      change = JSON.parse(ev.data);
    } catch {
      return;
    }
    latest = Math.max(latest, Number(change.seq) || 0);
    if (!timer) timer = setTimeout(apply, SETTLE_MS);
  });
  events.addEventListener('ready', () => { document.documentElement.dataset.live = 'connected'; });
  events.addEventListener('error', () => { document.documentElement.dataset.live = 'reconnecting'; });
  return () => events.close();
}
