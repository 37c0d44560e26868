// live.js keeps the map's tiles current while the page stays open.
//
// Every committed change reaches the page on the event stream (/api/events)
// with its seq and the area it touched (bbox). The server has already
// dropped exactly the tiles the change touched; the page fetches again
// only those of its tiles: with parking sensors and orders changing all
// day, a city of kiosks and phones must not refetch its whole view on every
// change. A touched tile is asked for as /tiles/z/x/y.mvt?v=<seq>, a new
// address, past the browser's HTTP cache and any shared cache in front of
// the servers; the server answers it once it has heard of that change
// (internal/httpapi/tile_version.go). Untouched tiles are not fetched at
// all. After a "reset" (too much was missed to replay) every tile is
// fetched again at the newest seq.
//
// This is the page's one event stream. It also hands what it hears on to
// the rest of the viewer as events on window: "partymap:change" ({seq,
// layer, id, version, op, bbox}), "partymap:parking" ({id, free,
// capacity}), "partymap:proposal" ({id, state, grids}) and "partymap:live"
// ('connected' | 'reconnecting', also kept in
// document.documentElement.dataset.live). How many tiles the last change
// made it fetch is in document.documentElement.dataset.tilesRefreshed.

import { SOURCE } from './style.js';

const SETTLE_MS = 250; // a burst of changes (a reshape, an import) refreshes once
// The tiles' buffer, as a fraction of a tile: a change this close to a
// tile shows in it (geo.TileBuffer / geo.TileExtent).
const BUFFER = 64 / 4096;
// The deepest zoom the tiles are fetched at (TileJSON maxzoom); deeper
// views overzoom these.
const MAX_TILE_ZOOM = 18;
// How many touched tiles keep their version; beyond, the oldest go.
const MAX_VERSIONS = 5000;

// versions maps "z/x/y" to the seq of the newest change that touched it;
// every is the seq every tile is fetched at (after a reset).
const versions = new Map();
let every = 0;
// recent are the addresses of the latest tile requests, newest last.
const recent = [];

/** recentTileRequests returns the addresses of the latest tile requests (up to 1000). */
export function recentTileRequests() {
  return recent.slice();
}

/**
 * transformRequest gives the address of a tile a change touched its
 * version: pass it as the map's transformRequest.
 */
export function transformRequest(url, resourceType) {
  if (resourceType !== 'Tile') return { url };
  const m = /\/tiles\/(\d+)\/(\d+)\/(\d+)\.mvt(\?.*)?$/.exec(url);
  if (!m) return { url };
  const v = Math.max(versions.get(`${m[1]}/${m[2]}/${m[3]}`) || 0, every);
  const out = v ? `${url.replace(/\?.*$/, '')}?v=${v}` : url;
  recent.push(out);
  if (recent.length > 1000) recent.shift();
  return { url: out };
}

/** tilesTouching lists the tiles of zoom z whose area (with the buffer) meets bbox [w, s, e, n]. */
export function tilesTouching(bbox, z) {
  const n = 2 ** z;
  const x = (lon) => ((lon + 180) / 360) * n;
  const y = (lat) => {
    const r = (Math.max(Math.min(lat, 85.0511), -85.0511) * Math.PI) / 180;
    return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n;
  };
  const clamp = (v) => Math.min(Math.max(v, 0), n - 1);
  const x0 = clamp(Math.floor(x(bbox[0]) - BUFFER));
  const x1 = clamp(Math.floor(x(bbox[2]) + BUFFER));
  const y0 = clamp(Math.floor(y(bbox[3]) - BUFFER));
  const y1 = clamp(Math.floor(y(bbox[1]) + BUFFER));
  const out = [];
  for (let ty = y0; ty <= y1; ty++) for (let tx = x0; tx <= x1; tx++) out.push({ z, x: tx, y: ty });
  return out;
}

export function followChanges(map, sourceId = SOURCE) {
  if (typeof EventSource !== 'function') return () => {};
  const events = new EventSource(new URL('api/events', document.baseURI));
  let pending = []; // changes waiting for the burst to settle
  let resetTo = 0;
  let timer = null;

  const apply = () => {
    timer = null;
    if (!map.getSource(sourceId)) return;
    if (resetTo) {
      every = resetTo;
      resetTo = 0;
      pending = [];
      versions.clear();
      map.refreshTiles(sourceId);
      document.documentElement.dataset.tilesRefreshed = 'all';
      return;
    }
    // The tiles the map may hold: around the current zoom, parents and
    // children included, at most the deepest zoom fetched.
    const zc = Math.min(Math.floor(map.getZoom()), MAX_TILE_ZOOM);
    const touched = new Map();
    let newest = 0;
    for (const c of pending) {
      newest = Math.max(newest, c.seq);
      if (!Array.isArray(c.bbox) || c.bbox.length !== 4) continue;
      for (let z = Math.max(zc - 2, 0); z <= Math.min(zc + 1, MAX_TILE_ZOOM); z++) {
        for (const t of tilesTouching(c.bbox, z)) {
          const key = `${t.z}/${t.x}/${t.y}`;
          touched.set(key, t);
          versions.delete(key); // re-inserted last: the newest stays longest
          versions.set(key, Math.max(c.seq, every));
        }
      }
    }
    pending = [];
    while (versions.size > MAX_VERSIONS) versions.delete(versions.keys().next().value);
    if (touched.size === 0) return;
    map.refreshTiles(sourceId, [...touched.values()]);
    document.documentElement.dataset.tilesRefreshed = String(touched.size);
    document.documentElement.dataset.tilesVersion = String(newest);
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
  const settle = () => {
    if (!timer) timer = setTimeout(apply, SETTLE_MS);
  };

  events.addEventListener('change', (ev) => {
    const change = parse(ev);
    if (!change) return;
    change.seq = Number(change.seq) || 0;
    if (Array.isArray(change.bbox)) pending.push(change);
    else resetTo = Math.max(resetTo, change.seq, every + 1); // an area unknown: everything
    settle();
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
  // a shared venue's bookings changed: its open card reloads its week
  events.addEventListener('booking', (ev) => {
    const b = parse(ev);
    if (b) tell('partymap:booking', b);
  });
  // too much was missed to replay: refetch every tile at the newest seq
  events.addEventListener('reset', (ev) => {
    const r = parse(ev);
    resetTo = Math.max(resetTo, every + 1, Number(r && r.seq) || 0);
    settle();
  });
  events.addEventListener('ready', () => status('connected'));
  events.addEventListener('error', () => status('reconnecting'));
  return () => events.close();
}
