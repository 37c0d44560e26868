// The staff editor (/edit): log in, pick a grid and drag, add (drag a
// midpoint) or remove (right-click) its vertices, snapping to the
// neighbouring grids' vertices and edges; every change is checked by the
// server's dry run before it can be saved; saving moves the shared
// boundaries in one edit (POST /api/grids/{id}/reshape). A colleague's newer
// version (412) can be reloaded, or the edit re-applied on top of it. The
// history panel reverts to any past version. Posts and flags are moved by
// dragging; a car park's spaces and free spaces are edited in the panel.
//
// Its words are in the one table (i18n.js), one language at a time
// (?lang=en, or the button); the layers' and fields' names come from the
// server's catalogue; the map opens on what the tiles draw.
//
// window.partymapEditor = { map, state, ready, saved } lets tests watch it.

import { Map as MapLibreMap } from '../../vendor/maplibre-gl/maplibre-gl.mjs';
import { loadConfig } from '../config.js';
import { byId, el, button } from '../dom.js';
import { createI18n, initialLang } from '../i18n.js';
import { SOURCE } from '../style.js';
import { createAPI } from './api.js';
import { addEditLayers, showFeatures, clearShape, drawShape, editHandles } from './grid.js';
import { createHistory } from './history.js';

/** How each editable layer is edited: its ring, its point, or its numbers. */
const MODES = { grids: 'ring', posts: 'point', organizations: 'point', parking: 'numbers' };

/** start builds the editor: boot.js calls it once the modules have loaded. */
export async function start() {
  const cfg = await loadConfig();
  const i18n = createI18n(cfg, initialLang());
  const { t } = i18n;
  const $ = byId;
  const api = createAPI();
  const modes = Object.keys(MODES).filter((m) => cfg.layers.some((l) => l.name === m && l.editable));
  const state = {
    user: null,
    mode: modes[0],
    features: null, // FeatureCollection of the mode's layer
    sel: null, // { id, etag, feature }
    shape: null, // { ring } or { point }: what is being edited
    dirty: false,
    checkSeq: 0,
    lastValid: false,
    conflictETag: null,
    status: null, // what #status shows: { kind, ... }, redrawn on a language switch
  };

  const [w, s, e, n] = cfg.bounds || [];
  const map = new MapLibreMap({
    container: 'map',
    style: new URL(`style.json?lang=${i18n.lang()}`, document.baseURI).href,
    ...(cfg.bounds ? { bounds: [[w, s], [e, n]], fitBoundsOptions: { padding: 20 } } : { center: cfg.home.center, zoom: cfg.home.zoom }),
    pitch: 0,
    maxPitch: 0,
    dragRotate: false,
    attributionControl: false,
  });
  const editor = { map, state, ready: false, saved: 0 };
  window.partymapEditor = editor;

  const history = createHistory($('history'), {
    api,
    i18n,
    async onRevert(version) {
      const r = await api.call('POST', `collections/${state.mode}/items/${state.sel.id}/revert?version=${version}`, { headers: { 'If-Match': state.sel.etag } });
      showResult(r, false);
      if (r.ok) {
        const id = state.sel.id;
        await afterWrite(r.data);
        clearSelection();
        await select(id);
      }
    },
  });

  // ---- words ----
  const modeButtons = modes.map((mode) => {
    const b = button('', () => setMode(mode));
    b.dataset.mode = mode;
    b.dataset.layerTitle = mode;
    b.setAttribute('role', 'tab');
    return b;
  });
  $('modes').replaceChildren(...modeButtons);

  function hint(mode) {
    if (MODES[mode] === 'ring') return t('hintGrids');
    const layer = i18n.layer(mode);
    if (MODES[mode] === 'point') return t('hintPoints', { layer });
    return t('hintParking', { layer, fields: i18n.list(['capacity', 'free'].map((f) => i18n.field(mode, f))) });
  }

  function applyLang() {
    i18n.translate(document, { name: i18n.title() });
    document.title = t('editTitle', { name: i18n.title() });
    $('hint').textContent = state.user ? hint(state.mode) : '';
    if (state.user) showWho();
    if (state.sel) showSelection();
    renderStatus();
    if (map.isStyleLoaded()) map.setGlobalStateProperty('lang', i18n.lang());
  }
  i18n.onChange(applyLang);
  applyLang();
  $('lang').addEventListener('click', () => i18n.setLang(i18n.lang() === 'zh' ? 'en' : 'zh'));

  // ---- logging in ----
  $('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    const r = await api.login($('login-name').value, $('login-password').value);
    $('login-password').value = '';
    if (!r.ok) {
      $('login-error').textContent = r.data?.detail || t('loginFailed', { status: r.status });
      return;
    }
    loggedIn(r.data);
  });
  $('logout').addEventListener('click', async () => {
    await api.logout();
    location.reload();
  });

  function showWho() {
    const u = state.user;
    const role = u.role === 'admin' ? t('roleAdmin') : u.role === 'editor' ? t('roleEditor') : u.role;
    $('who-name').textContent = `${u.name} (${role}${u.grids?.length ? ` · ${u.grids.join(', ')}` : ''})`;
  }

  function loggedIn(session) {
    state.user = session.user;
    showWho();
    $('who').hidden = false;
    $('login').hidden = true;
    $('editor').hidden = false;
    setMode(state.mode);
  }

  // ---- modes and selection ----
  async function setMode(mode) {
    if (state.dirty && !confirm(t('discard'))) return;
    state.mode = mode;
    clearSelection();
    for (const b of modeButtons) {
      b.classList.toggle('on', b.dataset.mode === mode);
      b.setAttribute('aria-selected', String(b.dataset.mode === mode));
    }
    $('hint').textContent = hint(mode);
    await loadFeatures();
  }

  async function loadFeatures() {
    const r = await api.call('GET', `collections/${state.mode}/items?limit=1000`);
    state.features = r.data;
    showFeatures(map, r.data);
  }

  function clearSelection() {
    Object.assign(state, { sel: null, shape: null, dirty: false, lastValid: false, status: null });
    $('selection').hidden = true;
    $('conflict').hidden = true;
    renderStatus();
    history.clear();
    clearShape(map);
  }

  async function select(id) {
    const r = await api.call('GET', `collections/${state.mode}/items/${id}`);
    if (!r.ok) return;
    const f = r.data;
    state.sel = { id, etag: r.etag, feature: f };
    Object.assign(state, { dirty: false, lastValid: false, status: null });
    state.shape = MODES[state.mode] === 'ring' ? { ring: f.geometry.coordinates[0].slice(0, -1).map((p) => p.slice()) }
      : f.geometry.type === 'Point' ? { point: f.geometry.coordinates.slice() } : null;
    const p = f.properties;
    $('parking-form').hidden = MODES[state.mode] !== 'numbers';
    if (MODES[state.mode] === 'numbers') {
      $('park-capacity').value = p.capacity;
      $('park-free').value = p.free;
    }
    showSelection();
    $('selection').hidden = false;
    $('conflict').hidden = true;
    renderStatus();
    $('save').disabled = true;
    if (state.shape) drawShape(map, state.shape);
    await history.load(state.mode, id, versionOf(r.etag));
  }

  function showSelection() {
    const p = state.sel.feature.properties;
    $('sel-title').textContent = `${p.code ? `${p.code} ` : ''}${i18n.names(p)[0]}`;
    $('sel-version').textContent = t('version', { v: versionOf(state.sel.etag) });
  }

  // "grids-7-v3", or "grids-7-v3-gzip" for the compressed answer.
  const versionOf = (etag) => Number((etag || '').replace(/^.*-v(\d+)(?:-gzip)?"$/, '$1'));

  // ---- the map ----
  let handles = null; // set once the map has loaded
  map.on('click', (e) => {
    if (!handles || handles.isDragging() || !state.user) return;
    if (map.queryRenderedFeatures(e.point, { layers: ['ed-vertex', 'ed-mid'] }).length) return;
    const layer = MODES[state.mode] === 'point' ? 'ed-points' : 'ed-fill';
    const f = map.queryRenderedFeatures(e.point, { layers: [layer] })[0];
    if (f && (!state.sel || state.sel.id !== f.id)) {
      if (state.dirty && !confirm(t('discard'))) return;
      select(f.id);
    }
  });
  for (const id of ['park-capacity', 'park-free']) $(id).addEventListener('input', () => changed());

  // ---- checking and saving ----
  // changed marks the edit unsaved and asks the server's dry run about it.
  async function changed() {
    state.dirty = true;
    state.lastValid = false;
    $('save').disabled = true;
    const seq = ++state.checkSeq;
    state.status = { kind: 'checking' };
    renderStatus();
    const r = await send(true);
    if (seq !== state.checkSeq) return;
    showResult(r, true);
  }

  // send posts the edit, as a dry run or for real.
  function send(dryRun) {
    const q = dryRun ? '?dry_run=true' : '';
    const headers = { 'If-Match': state.sel.etag };
    if (MODES[state.mode] === 'ring') {
      const shape = { type: 'Polygon', coordinates: [[...state.shape.ring, state.shape.ring[0]]] };
      return api.call('POST', `api/grids/${state.sel.id}/reshape${q}`, { body: shape, type: 'application/geo+json', headers });
    }
    const patch = MODES[state.mode] === 'numbers'
      ? { properties: { capacity: Number($('park-capacity').value), free: Number($('park-free').value) } }
      : { geometry: { type: 'Point', coordinates: state.shape.point } };
    return api.call('PATCH', `collections/${state.mode}/items/${state.sel.id}${q}`, { body: patch, type: 'application/merge-patch+json', headers });
  }

  function showResult(r, dryRun) {
    $('conflict').hidden = true;
    if (r.ok) {
      state.status = { kind: dryRun ? 'ready' : 'saved', changes: r.data?.changes || [] };
      state.lastValid = dryRun;
      $('save').disabled = !dryRun;
    } else if (r.status === 412) {
      state.status = { kind: 'conflict', version: r.data?.current_version };
      state.conflictETag = r.data?.current_etag || r.etag;
      $('conflict').hidden = false;
    } else {
      state.status = { kind: 'refused', violations: r.data?.violations || [], detail: r.data?.detail, code: r.status };
    }
    renderStatus();
  }

  // renderStatus shows the last check or save in the current language.
  function renderStatus() {
    const st = $('status');
    const s = state.status;
    $('conflict-text').textContent = s?.kind === 'conflict' ? t('conflict', { v: s.version }) : '';
    if (!s || s.kind === 'conflict') {
      st.replaceChildren();
      return;
    }
    if (s.kind === 'checking') {
      st.replaceChildren(el('p', 'muted', t('checking')));
      return;
    }
    if (s.kind === 'ready' || s.kind === 'saved') {
      const lines = s.changes.map((c) => t('changeLine', { item: i18n.item(c.layer), id: c.id, v: c.version }));
      st.replaceChildren(el('p', 'ok', t(s.kind === 'ready' ? 'readyToSave' : 'saved'), lines.length ? t('labelled', { label: '', value: i18n.list(lines) }) : ''));
      return;
    }
    st.replaceChildren(s.violations.length
      ? el('ul', '', ...s.violations.map((v) => el('li', '', i18n.pick(v.message_zh, v.message_en))))
      : el('p', 'error', s.detail || t('errorStatus', { status: s.code })));
  }

  $('save').addEventListener('click', async () => {
    if (!state.lastValid) return;
    $('save').disabled = true;
    const r = await send(false);
    showResult(r, false);
    if (r.ok) {
      state.sel.etag = r.etag;
      state.dirty = false;
      showSelection();
      await afterWrite(r.data);
    }
  });
  $('cancel').addEventListener('click', () => {
    const id = state.sel?.id;
    clearSelection();
    if (id) select(id);
  });
  $('conflict-reload').addEventListener('click', () => {
    const id = state.sel.id;
    clearSelection();
    select(id);
  });
  $('conflict-reapply').addEventListener('click', () => {
    state.sel.etag = state.conflictETag;
    changed();
  });

  // afterWrite shows the saved state: the layer's features, the history and
  // the map's tiles around the change, fetched fresh past the browser cache.
  async function afterWrite(feature) {
    await loadFeatures();
    await history.load(state.mode, state.sel.id, versionOf(state.sel.etag));
    await refreshTiles(map, feature?.geometry);
    editor.saved += 1;
  }

  // The login form shows once the map can take the editor's layers.
  await new Promise((resolve) => map.once('load', resolve));
  addEditLayers(map);
  handles = editHandles(map, {
    shape: () => state.shape,
    others: () => (state.features?.features || []).filter((f) => f.id !== state.sel?.id && f.geometry.type === 'Polygon'),
    changed,
  });
  map.setGlobalStateProperty('lang', i18n.lang());
  const session = await api.resume();
  if (session) loggedIn(session);
  else $('login').hidden = false;
  editor.ready = true;
}

// refreshTiles fetches the tiles around a written geometry past the
// browser's cache, then has the map draw them again.
async function refreshTiles(map, geometry) {
  const src = map.getSource(SOURCE);
  if (!src || !src.tiles || !geometry) return;
  const pts = geometry.type === 'Point' ? [geometry.coordinates] : geometry.coordinates[0];
  const z = Math.max(0, Math.min(Math.floor(map.getZoom()), src.maxzoom ?? 22));
  const n = 2 ** z;
  const xs = pts.map((p) => Math.floor(((p[0] + 180) / 360) * n));
  const ys = pts.map((p) => {
    const r = (p[1] * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  });
  const urls = [];
  for (let x = Math.min(...xs) - 1; x <= Math.max(...xs) + 1; x++) {
    for (let y = Math.min(...ys) - 1; y <= Math.max(...ys) + 1; y++) {
      urls.push(src.tiles[0].replace('{z}', z).replace('{x}', x).replace('{y}', y));
    }
  }
  await Promise.all(urls.map((u) => fetch(u, { cache: 'reload' }).catch(() => null)));
  src.setTiles(src.tiles);
}
