// The staff editor (/edit): log in, pick a grid and drag, add (drag a
// midpoint) or remove (right-click) its vertices, snapping to the
// neighbouring grids' vertices and edges; every change is checked by the
// server's dry run before it can be saved; saving moves the shared
// boundaries in one edit (POST /api/grids/{id}/reshape). A colleague's newer
// version (412) can be reloaded, or the edit re-applied on top of it. The
// history panel reverts to any past version. Posts and flags are moved by
// dragging; a car park's capacity and free spaces are edited in the panel.
import { Map as MapLibreMap } from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { installIcons } from './icons.js';

const $ = (id) => document.getElementById(id);
const SNAP_PX = 10;
const state = {
  csrf: null, user: null, mode: 'grids',
  features: null, // FeatureCollection of the mode's layer
  sel: null, // {id, etag, version, feature}
  ring: null, // edited grid ring, without the closing point
  point: null, // edited point [lon, lat]
  dirty: false, dragging: null, checkSeq: 0, lastValid: false,
};

// api calls the server with the session cookie and, on writes, the CSRF token.
async function api(method, path, { body, type, headers = {} } = {}) {
  const h = { Accept: 'application/json, application/geo+json', ...headers };
  if (method !== 'GET' && state.csrf) h['X-CSRF-Token'] = state.csrf;
  if (body !== undefined) h['Content-Type'] = type || 'application/json';
  const res = await fetch(new URL(path, document.baseURI), {
    method, headers: h, credentials: 'same-origin',
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  let data = null;
  if ((res.headers.get('Content-Type') || '').includes('json')) data = await res.json();
  return { status: res.status, ok: res.ok, data, etag: res.headers.get('ETag') };
}

const map = new MapLibreMap({
  container: 'map',
  style: new URL('style.json', document.baseURI).href,
  center: [110.0995, 34.5722], zoom: 15.4, pitch: 0, maxPitch: 0, dragRotate: false,
  attributionControl: false,
});
window.partymapEditor = { map, state, ready: false };
installIcons(map);

map.on('load', () => {
  map.addSource('ed-features', { type: 'geojson', data: empty() });
  map.addSource('ed-shape', { type: 'geojson', data: empty() });
  map.addSource('ed-handles', { type: 'geojson', data: empty() });
  map.addLayer({ id: 'ed-fill', type: 'fill', source: 'ed-features', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': '#1565c0', 'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.25, 0.06] } });
  map.addLayer({ id: 'ed-line', type: 'line', source: 'ed-features', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'line-color': '#1565c0', 'line-width': 1.2 } });
  map.addLayer({ id: 'ed-points', type: 'circle', source: 'ed-features', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 6, 'circle-color': '#1565c0', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  map.addLayer({ id: 'ed-shape-fill', type: 'fill', source: 'ed-shape', paint: { 'fill-color': '#b71c1c', 'fill-opacity': 0.18 } });
  map.addLayer({ id: 'ed-shape-line', type: 'line', source: 'ed-shape', paint: { 'line-color': '#b71c1c', 'line-width': 2.5 } });
  map.addLayer({ id: 'ed-mid', type: 'circle', source: 'ed-handles', filter: ['==', ['get', 'kind'], 'mid'],
    paint: { 'circle-radius': 4, 'circle-color': '#fff', 'circle-stroke-color': '#b71c1c', 'circle-stroke-width': 1.5 } });
  map.addLayer({ id: 'ed-vertex', type: 'circle', source: 'ed-handles', filter: ['!=', ['get', 'kind'], 'mid'],
    paint: { 'circle-radius': 6, 'circle-color': '#b71c1c', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  wireMap();
  window.partymapEditor.ready = true;
  resume();
});

function empty() { return { type: 'FeatureCollection', features: [] }; }

// resume picks up a session the browser still has. The cookie is HttpOnly,
// so a flag remembers that there may be one, and a page that never logged
// in does not ask (and get a 401).
const SESSION_FLAG = 'partymap.editor.session';
async function resume() {
  if (!localStorage.getItem(SESSION_FLAG)) return;
  const r = await api('GET', 'api/session');
  if (r.ok) loggedIn(r.data); else localStorage.removeItem(SESSION_FLAG);
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('login-error').textContent = '';
  const r = await api('POST', 'api/login', { body: { name: $('login-name').value, password: $('login-password').value } });
  $('login-password').value = '';
  if (!r.ok) { $('login-error').textContent = r.data?.detail || `登录失败 Login failed (${r.status})`; return; }
  localStorage.setItem(SESSION_FLAG, '1');
  loggedIn(r.data);
});

$('logout').addEventListener('click', async () => {
  await api('POST', 'api/logout');
  localStorage.removeItem(SESSION_FLAG);
  location.reload();
});

function loggedIn(s) {
  state.csrf = s.csrf_token; state.user = s.user;
  $('who-name').textContent = `${s.user.name} (${s.user.role}${s.user.grids?.length ? ' · ' + s.user.grids.join(', ') : ''})`;
  $('who').hidden = false; $('login').hidden = true; $('editor').hidden = false;
  setMode('grids');
}

for (const b of document.querySelectorAll('#modes button')) b.addEventListener('click', () => setMode(b.dataset.mode));

const hints = {
  grids: '点击网格开始编辑；拖动顶点，拖动中点可加点，右键点删除顶点；会吸附到相邻网格。 Click a grid; drag vertices, drag a midpoint to add one, right-click a vertex to remove it. Vertices snap to neighbouring grids.',
  posts: '点击并拖动服务站点到新位置。 Drag a service post to its new place.',
  organizations: '点击并拖动红旗到新位置。 Drag a party flag to its new place.',
  parking: '点击停车场，修改车位数与空闲车位。 Click a car park to update its capacity and free spaces.',
};

async function setMode(mode) {
  state.mode = mode; clearSelection();
  for (const b of document.querySelectorAll('#modes button')) b.classList.toggle('on', b.dataset.mode === mode);
  $('hint').textContent = hints[mode];
  await loadFeatures();
}

async function loadFeatures() {
  const r = await api('GET', `collections/${state.mode}/items?limit=1000`);
  state.features = r.data;
  map.getSource('ed-features').setData(r.data);
}

function clearSelection() {
  state.sel = null; state.ring = null; state.point = null; state.dirty = false; state.lastValid = false;
  $('selection').hidden = true; $('conflict').hidden = true; $('status').innerHTML = '';
  map.getSource('ed-shape')?.setData(empty()); map.getSource('ed-handles')?.setData(empty());
}

async function select(id) {
  const r = await api('GET', `collections/${state.mode}/items/${id}`);
  if (!r.ok) return;
  const f = r.data;
  state.sel = { id, etag: r.etag, feature: f };
  state.dirty = false; state.lastValid = false;
  state.ring = f.geometry.type === 'Polygon' && state.mode === 'grids' ? f.geometry.coordinates[0].slice(0, -1).map((p) => p.slice()) : null;
  state.point = f.geometry.type === 'Point' ? f.geometry.coordinates.slice() : null;
  const p = f.properties;
  $('sel-title').textContent = `${p.code ? p.code + ' ' : ''}${p.name_zh} · ${p.name_en}`;
  $('sel-version').textContent = `版本 version ${versionOf(r.etag)}`;
  $('parking-form').hidden = state.mode !== 'parking';
  if (state.mode === 'parking') { $('park-capacity').value = p.capacity; $('park-free').value = p.free; }
  $('selection').hidden = false; $('conflict').hidden = true; $('status').innerHTML = '';
  $('save').disabled = true;
  render();
  loadHistory();
}

function versionOf(etag) { return (etag || '').replace(/^.*-v(\d+)"$/, '$1'); }

function render() {
  if (state.ring) {
    const closed = [...state.ring, state.ring[0]];
    map.getSource('ed-shape').setData({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [closed] }, properties: {} });
    const handles = state.ring.map((p, i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: { kind: 'vertex', i } }));
    state.ring.forEach((p, i) => {
      const q = state.ring[(i + 1) % state.ring.length];
      handles.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2] }, properties: { kind: 'mid', i } });
    });
    map.getSource('ed-handles').setData({ type: 'FeatureCollection', features: handles });
  } else if (state.point) {
    map.getSource('ed-shape').setData(empty());
    map.getSource('ed-handles').setData({ type: 'Feature', geometry: { type: 'Point', coordinates: state.point }, properties: { kind: 'point', i: 0 } });
  }
}

function wireMap() {
  map.on('click', (e) => {
    if (state.dragging || !state.user) return;
    const hits = map.queryRenderedFeatures(e.point, { layers: ['ed-vertex', 'ed-mid'] });
    if (hits.length) return;
    const layer = state.mode === 'grids' || state.mode === 'parking' ? 'ed-fill' : 'ed-points';
    const f = map.queryRenderedFeatures(e.point, { layers: [layer] })[0];
    if (f && (!state.sel || state.sel.id !== f.id)) {
      if (state.dirty && !confirm('放弃未保存的修改？ Discard your unsaved change?')) return;
      select(f.id);
    }
  });
  const startDrag = (e, kind) => {
    if (!state.sel || e.originalEvent.button !== 0) return;
    const h = e.features[0];
    e.preventDefault();
    let i = h.properties.i;
    if (kind === 'mid') { state.ring.splice(i + 1, 0, e.lngLat.toArray()); i += 1; }
    state.dragging = { i };
    map.dragPan.disable();
  };
  map.on('mousedown', 'ed-vertex', (e) => startDrag(e, 'vertex'));
  map.on('mousedown', 'ed-mid', (e) => startDrag(e, 'mid'));
  map.on('mousemove', (e) => {
    if (!state.dragging) return;
    const p = state.ring ? snap(e.point, e.lngLat.toArray()) : e.lngLat.toArray();
    if (state.ring) state.ring[state.dragging.i] = p; else state.point = p;
    render();
  });
  map.on('mouseup', () => {
    if (!state.dragging) return;
    state.dragging = null;
    map.dragPan.enable();
    changed();
  });
  map.on('contextmenu', 'ed-vertex', (e) => {
    e.preventDefault();
    if (!state.ring || state.ring.length <= 3) return;
    state.ring.splice(e.features[0].properties.i, 1);
    render(); changed();
  });
}

// snap moves a dragged vertex onto the nearest vertex, else the nearest
// edge, of another grid within SNAP_PX pixels.
function snap(px, lngLat) {
  let best = null; let bestD = SNAP_PX;
  const others = (state.features?.features || []).filter((f) => f.id !== state.sel.id);
  for (const f of others) for (const p of f.geometry.coordinates[0]) {
    const q = map.project(p); const d = Math.hypot(q.x - px.x, q.y - px.y);
    if (d < bestD) { bestD = d; best = p.slice(); }
  }
  if (best) return best;
  bestD = SNAP_PX;
  for (const f of others) {
    const r = f.geometry.coordinates[0];
    for (let k = 0; k + 1 < r.length; k++) {
      const a = map.project(r[k]); const b = map.project(r[k + 1]);
      const abx = b.x - a.x; const aby = b.y - a.y; const len = abx * abx + aby * aby;
      if (!len) continue;
      const t = Math.max(0, Math.min(1, ((px.x - a.x) * abx + (px.y - a.y) * aby) / len));
      const d = Math.hypot(a.x + t * abx - px.x, a.y + t * aby - px.y);
      if (d < bestD) { bestD = d; best = [r[k][0] + t * (r[k + 1][0] - r[k][0]), r[k][1] + t * (r[k + 1][1] - r[k][1])]; }
    }
  }
  return best || lngLat;
}

for (const id of ['park-capacity', 'park-free']) $(id).addEventListener('input', () => changed());

// changed marks the edit unsaved and asks the server's dry run about it.
async function changed() {
  state.dirty = true; state.lastValid = false;
  $('save').disabled = true;
  const seq = ++state.checkSeq;
  $('status').innerHTML = '<p class="muted">检查中… Checking…</p>';
  const r = await send(true);
  if (seq !== state.checkSeq) return;
  showResult(r, true);
}

// send posts the edit, as a dry run or for real.
function send(dryRun) {
  const q = dryRun ? '?dry_run=true' : '';
  const headers = { 'If-Match': state.sel.etag };
  if (state.mode === 'grids') {
    const shape = { type: 'Polygon', coordinates: [[...state.ring, state.ring[0]]] };
    return api('POST', `api/grids/${state.sel.id}/reshape${q}`, { body: shape, type: 'application/geo+json', headers });
  }
  const patch = state.mode === 'parking'
    ? { properties: { capacity: Number($('park-capacity').value), free: Number($('park-free').value) } }
    : { geometry: { type: 'Point', coordinates: state.point } };
  return api('PATCH', `collections/${state.mode}/items/${state.sel.id}${q}`, { body: patch, type: 'application/merge-patch+json', headers });
}

function showResult(r, dryRun) {
  const st = $('status');
  $('conflict').hidden = true;
  if (r.ok) {
    const changes = (r.data?.changes || []).map((c) => `${c.layer} ${c.id} → v${c.version}`).join(', ');
    st.innerHTML = dryRun
      ? `<p class="ok">✓ 可以保存 Ready to save${changes ? ': ' + esc(changes) : ''}</p>`
      : `<p class="ok">✓ 已保存 Saved${changes ? ': ' + esc(changes) : ''}</p>`;
    state.lastValid = dryRun;
    $('save').disabled = !dryRun;
    return;
  }
  if (r.status === 412) {
    $('conflict-text').textContent = `同事已修改此项（现为第 ${r.data?.current_version} 版）。 A colleague saved version ${r.data?.current_version} meanwhile.`;
    $('conflict').hidden = false;
    state.conflictETag = r.data?.current_etag || r.etag;
    st.innerHTML = '';
    return;
  }
  const vs = r.data?.violations || [];
  st.innerHTML = vs.length
    ? `<ul>${vs.map((v) => `<li>${esc(v.message_zh)}<span>${esc(v.message_en)}</span></li>`).join('')}</ul>`
    : `<p class="error">${esc(r.data?.detail || 'Error ' + r.status)}</p>`;
}

function esc(s) { return String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c])); }

$('save').addEventListener('click', async () => {
  if (!state.lastValid) return;
  $('save').disabled = true;
  const r = await send(false);
  showResult(r, false);
  if (r.ok) {
    state.sel.etag = r.etag; state.dirty = false;
    $('sel-version').textContent = `版本 version ${versionOf(r.etag)}`;
    await afterWrite(r.data);
  }
});

$('cancel').addEventListener('click', () => { const id = state.sel?.id; clearSelection(); if (id) select(id); });
$('conflict-reload').addEventListener('click', () => { const id = state.sel.id; clearSelection(); select(id); });
$('conflict-reapply').addEventListener('click', () => { state.sel.etag = state.conflictETag; changed(); });

// afterWrite shows the saved state: the layer's features, the history and
// the map's tiles around the change, fetched fresh past the browser cache.
async function afterWrite(feature) {
  await loadFeatures();
  await loadHistory();
  await refreshTiles(feature?.geometry);
  window.partymapEditor.saved = (window.partymapEditor.saved || 0) + 1;
}

async function refreshTiles(geometry) {
  const src = map.getSource('partymap');
  if (!src || !src.tiles || !geometry) return;
  const pts = geometry.type === 'Point' ? [geometry.coordinates] : geometry.coordinates[0];
  const z = Math.max(0, Math.min(Math.floor(map.getZoom()), src.maxzoom ?? 22));
  const n = 2 ** z;
  const xs = pts.map((p) => Math.floor((p[0] + 180) / 360 * n));
  const ys = pts.map((p) => { const r = p[1] * Math.PI / 180; return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n); });
  const urls = [];
  for (let x = Math.min(...xs) - 1; x <= Math.max(...xs) + 1; x++) {
    for (let y = Math.min(...ys) - 1; y <= Math.max(...ys) + 1; y++) {
      urls.push(src.tiles[0].replace('{z}', z).replace('{x}', x).replace('{y}', y));
    }
  }
  await Promise.all(urls.map((u) => fetch(u, { cache: 'reload' }).catch(() => null)));
  src.setTiles(src.tiles);
}

async function loadHistory() {
  const ol = $('history');
  const r = await api('GET', `collections/${state.mode}/items/${state.sel.id}/history`);
  if (!r.ok) { ol.innerHTML = ''; return; }
  const current = Number(versionOf(state.sel.etag));
  ol.innerHTML = r.data.entries.slice().reverse().map((h) => {
    const when = new Date(h.at).toLocaleString('zh-CN', { hour12: false });
    const what = h.changed?.length ? ' · ' + h.changed.join(', ') : '';
    const revert = h.op !== 'delete' && h.version !== current ? `<button type="button" data-version="${h.version}">恢复 Revert</button>` : '';
    return `<li data-version="${h.version}">v${h.version} ${esc(h.op)} (${esc(h.reason)}) · ${esc(h.who)} · ${esc(when)}${esc(what)}${revert}</li>`;
  }).join('');
  for (const b of ol.querySelectorAll('button')) {
    b.addEventListener('click', async () => {
      const r2 = await api('POST', `collections/${state.mode}/items/${state.sel.id}/revert?version=${b.dataset.version}`, { headers: { 'If-Match': state.sel.etag } });
      showResult(r2, false);
      if (r2.ok) { const id = state.sel.id; await afterWrite(r2.data); clearSelection(); await select(id); }
    });
  }
}
