// The staff editor (/edit). Log in; find a grid (one's own highlighted,
// the list and the search fly to it); drag, add (drag a midpoint, or
// long-press an edge) or remove (right-click; or tap a vertex, then Delete
// vertex or the Delete key) its vertices with a mouse, a pen or a finger,
// snapping to the neighbours, with undo and redo and the keyboard; every change is checked by the server's dry
// run, its problems drawn on the map, before it can be saved with a
// comment saying why. A change that reaches grids the editor does not look
// after becomes a proposal for their editors, who find it in their desk.
// The page follows the live change stream: when a colleague saves what is
// open, a banner says who, when and what, their outline beside one's own,
// and offers to take theirs or rebase one's own vertices onto theirs (never
// a blind resend). The history names each change in staff's words and
// opens its change set, which can be undone as a whole. Posts and flags
// are moved by dragging; a car park's spaces are edited in the panel.
//
// One language at a time (?lang=, the switch, or the browser's), every
// word from the one table (i18n.js) or the server in that language.
//
// window.partymapEditor = { map, state, ready, saved, … } lets tests watch it.

import { Map as MapLibreMap } from '../../vendor/maplibre-gl/maplibre-gl.mjs';
import { loadConfig } from '../config.js';
import { byId, el } from '../dom.js';
import { createI18n, initialLang } from '../i18n.js';
import { followChanges } from '../live.js';
import { SOURCE } from '../style.js';
import { bindLogin, createAPI, problemText } from './api.js';
import { createConflicts } from './conflict.js';
import { createDesk } from './desk.js';
import { createGridFinder } from './finder.js';
import { addEditLayers, boundsOf, clearShape, drawn, drawShape, editHandles, MIN_VERTICES, showFeatures, showMarks, showProblems, showReview, showTheirs, touchScreen } from './grid.js';
import { createChangeSetView, createHistory } from './history.js';
import { sameRing, same } from './rebase.js';
import { installKeys } from './keys.js';
import { renderStatus } from './status.js';
import { createUndo } from './undo.js';

/** How each editable layer is edited: its ring, its point, or its numbers. */
const MODES = { grids: 'ring', posts: 'point', organizations: 'point', parking: 'numbers' };

/** start builds the editor: boot.js calls it once the modules have loaded. */
export async function start() {
  const cfg = await loadConfig();
  const i18n = createI18n(cfg, initialLang({ browser: true }));
  const { t } = i18n;
  const $ = byId;
  const api = createAPI();
  const modes = Object.keys(MODES).filter((m) => cfg.layers.some((l) => l.name === m && l.editable));
  const state = {
    user: null,
    mode: modes[0],
    features: null, // FeatureCollection of the mode's layer
    grids: null, // the grids, for names and the finder, whatever the mode
    sel: null, // { id, etag, version, feature }
    base: null, // the selection as saved: { ring } or { point } or { props }
    shape: null, // what is being edited: { ring, origin, active } or { point }
    check: null, // the last check or save, redrawn on a language switch
    checkSeq: 0,
    lastValid: false,
    proposing: false,
    saving: false,
    pending: [], // change events heard while saving
    theirs: null, // a colleague's newer version: { etag, version, feature, who, at, ring, deleted }
    rebase: null, // { r, choices }
  };
  const ring = () => MODES[state.mode] === 'ring';
  const undo = createUndo();

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
  const editor = { map, state, ready: false, saved: 0, i18n, drawn };
  window.partymapEditor = editor;

  // ---- scope: one's own grids ----
  const mine = (code) => {
    const u = state.user;
    if (!u) return false;
    return u.role === 'admin' || !u.grids?.length || u.grids.includes(code);
  };
  const gridName = (code) => {
    const g = state.grids?.features.find((f) => f.properties.code === code);
    return g ? i18n.pick(g.properties.name_zh, g.properties.name_en) : code;
  };

  // ---- panels ----
  const history = createHistory($('history'), {
    api,
    i18n,
    onShowChange: (id) => changeSets.open(id),
    async onRevert(version) {
      const r = await api.call('POST', `collections/${state.mode}/items/${state.sel.id}/revert`, { headers: { 'If-Match': state.sel.etag }, query: { version } });
      if (!r.ok) {
        setCheck({ kind: 'refused', text: problemText(r, i18n), violations: r.data?.violations || [] });
        return;
      }
      await afterWrite(r.data);
      await select(state.sel.id, { keepCheck: true });
      setCheck({ kind: 'saved', id: r.data.change_set });
    },
  });
  const changeSets = createChangeSetView($('changeset'), {
    api,
    i18n,
    show(items) {
      showReview(map, items);
      fit(boundsOf(items.flatMap((it) => [it.before, it.after])));
    },
    hide: () => showReview(map, []),
    async onUndone(answer) {
      await afterWrite(answer);
      if (state.sel) await select(state.sel.id, { keepCheck: true, fit: false });
    },
  });
  const desk = createDesk($('desk'), {
    api,
    i18n,
    review(p) {
      changeSets.close();
      const items = p.preview.filter((it) => it.before || it.after).map((it) => ({ before: it.before, after: it.after, gain: it.gain }));
      showReview(map, items);
      // Close enough to see what moves, with the grids' outlines around it.
      const gains = items.map((it) => it.gain).filter(Boolean);
      fit(boundsOf(gains.length ? gains : items.flatMap((it) => [it.before, it.after])), 17.5);
    },
    unreview: () => showReview(map, []),
    async applied(answer) {
      await afterWrite(answer);
      if (state.sel) await select(state.sel.id, { keepCheck: true, fit: false });
    },
  });
  const finder = createGridFinder($('finder'), {
    i18n,
    grids: () => state.grids?.features,
    mine,
    pick: (id) => pickGrid(id),
  });
  const conflicts = createConflicts($('banner'), {
    api, i18n, map, state, undo, ring, select, setCheck, changed, fit, isDirty, showSelection, versionOf: (etag) => versionOf(etag),
  });

  const modeButtons = modes.map((mode) => {
    const b = el('button', '');
    b.type = 'button';
    b.addEventListener('click', () => setMode(mode));
    b.dataset.mode = mode;
    b.dataset.layerTitle = mode;
    b.setAttribute('role', 'tab');
    return b;
  });
  $('modes').replaceChildren(...modeButtons);

  function hint(mode) {
    if (MODES[mode] === 'ring') return t(touchScreen() ? 'hintGridsTouch' : 'hintGrids');
    const layer = i18n.layer(mode);
    if (MODES[mode] === 'point') return t('hintPoints', { layer });
    return t('hintParking', { layer, fields: i18n.list(['capacity', 'free'].map((f) => i18n.field(mode, f))) });
  }

  function applyLang() {
    i18n.translate(document, { name: i18n.title() });
    document.title = t('editTitle', { name: i18n.title() });
    $('comment').placeholder = t('commentPlaceholder');
    map.getCanvasContainer().setAttribute('aria-label', t('mapLabel'));
    $('hint').textContent = state.user ? hint(state.mode) : '';
    if (state.user) showWho();
    if (state.sel) showSelection();
    $('vertex-note').textContent = '';
    if (state.shape) showVertexBar(state.shape);
    decorate();
    renderCheck();
    if (map.isStyleLoaded()) map.setGlobalStateProperty('lang', i18n.lang());
  }
  i18n.onChange(applyLang);
  $('lang').addEventListener('click', () => i18n.setLang(i18n.lang() === 'zh' ? 'en' : 'zh'));

  // ---- logging in ----
  bindLogin(api, i18n, { form: 'login', name: 'login-name', password: 'login-password', error: 'login-error' }, loggedIn);
  $('logout').addEventListener('click', async () => {
    await api.logout();
    location.reload();
  });

  function showWho() {
    const u = state.user;
    const role = u.role === 'admin' ? t('roleAdmin') : t('roleEditor');
    const scope = u.role === 'admin' || !u.grids?.length ? t('scopeAll') : i18n.list(u.grids.map(gridName));
    $('who-name').textContent = t('whoLine', { name: u.name, role, scope });
  }

  async function loggedIn(session) {
    state.user = session.user;
    $('who').hidden = false;
    $('login').hidden = true;
    $('editor').hidden = false;
    await loadGrids();
    showWho();
    await setMode(state.mode);
    await desk.load();
  }

  // ---- features ----
  // decorate marks each feature one's own or not and labels the grids, in
  // the page's language.
  function decorate() {
    for (const c of [state.features, state.grids]) {
      for (const f of c?.features || []) {
        const p = f.properties;
        const code = p.code || p.grid_code;
        p.mine = mine(code);
        p.selected = !!state.sel && state.sel.id === f.id && c === state.features;
        if (p.code) p.label = `${p.code} ${i18n.pick(p.name_zh, p.name_en)}${p.mine ? '' : `\n${t('notMineShort')}`}`;
      }
    }
    if (state.features && map.getSource('ed-features')) showFeatures(map, state.features);
    finder.render();
  }

  async function loadGrids() {
    const r = await api.call('GET', 'collections/grids/items', { query: { limit: 1000 } });
    if (r.ok) state.grids = r.data;
    if (state.mode === 'grids') state.features = state.grids;
    decorate();
  }

  async function loadFeatures() {
    if (state.mode === 'grids') {
      await loadGrids();
      return;
    }
    const r = await api.call('GET', `collections/${state.mode}/items`, { query: { limit: 1000 } });
    if (r.ok) state.features = r.data;
    decorate();
  }

  async function setMode(mode) {
    if (isDirty() && !confirm(t('discard'))) return;
    state.mode = mode;
    clearSelection();
    for (const b of modeButtons) {
      b.classList.toggle('on', b.dataset.mode === mode);
      b.setAttribute('aria-selected', String(b.dataset.mode === mode));
    }
    $('finder').hidden = mode !== 'grids';
    $('hint').textContent = hint(mode);
    await loadFeatures();
  }

  // ---- selection ----
  function clearSelection() {
    Object.assign(state, { sel: null, base: null, shape: null, check: null, lastValid: false, proposing: false, theirs: null, rebase: null });
    undo.clear();
    $('selection').hidden = true;
    conflicts.hide();
    history.clear();
    clearShape(map);
    showProblems(map, []);
    showTheirs(map, null);
    showMarks(map, []);
    map.keyboard.enable();
    decorate();
    renderCheck();
  }

  async function select(id, { keepCheck = false, fit: fitIt = true } = {}) {
    const r = await api.call('GET', `collections/${state.mode}/items/${id}`);
    if (!r.ok) return;
    const f = r.data;
    const check = keepCheck ? state.check : null;
    clearSelection();
    state.sel = { id, etag: r.etag, version: versionOf(r.etag), feature: f };
    if (ring()) {
      const rr = f.geometry.coordinates[0].slice(0, -1).map((p) => p.slice());
      state.base = { ring: rr };
      state.shape = { ring: rr.map((p) => p.slice()), origin: rr.map((_, i) => i) };
      map.keyboard.disable(); // the arrows move the picked vertex
    } else if (f.geometry.type === 'Point') {
      state.base = { point: f.geometry.coordinates.slice() };
      state.shape = { point: f.geometry.coordinates.slice() };
    } else {
      state.base = { props: { capacity: f.properties.capacity, free: f.properties.free } };
    }
    const p = f.properties;
    $('parking-form').hidden = MODES[state.mode] !== 'numbers';
    if (MODES[state.mode] === 'numbers') {
      $('park-capacity').value = p.capacity;
      $('park-free').value = p.free;
    }
    $('comment').value = '';
    showSelection();
    $('selection').hidden = false;
    // on a tablet (1024×768) the edit's buttons were below the grids'
    // list: the panel shows them
    $('cancel').scrollIntoView({ block: 'nearest' });
    state.check = check;
    renderCheck();
    if (state.shape) drawShape(map, state.shape);
    decorate();
    if (fitIt) fit(boundsOf([f.geometry]), 17);
    await history.load(state.mode, id, state.sel.version, !ring());
  }

  function showSelection() {
    const p = state.sel.feature.properties;
    $('sel-title').textContent = `${p.code ? `${p.code} ` : ''}${i18n.names(p)[0]}`;
    $('sel-version').textContent = t('version', { v: state.sel.version });
    const code = p.code || p.grid_code;
    const note = $('sel-note');
    note.hidden = mine(code);
    note.textContent = note.hidden ? '' : t('selNotMine', { grid: p.code ? i18n.pick(p.name_zh, p.name_en) : gridName(code) });
  }

  // "grids-7-v3", or "grids-7-v3-gzip" for the compressed answer.
  const versionOf = (etag) => Number((etag || '').replace(/^.*-v(\d+)(?:-gzip)?"$/, '$1'));

  // fit shows bounds whole beside the panel, whatever the window's size.
  function fit(b, maxZoom = 18) {
    if (!b) return;
    const c = map.getContainer();
    const pad = Math.max(24, Math.min(80, Math.round(Math.min(c.clientWidth, c.clientHeight) / 8)));
    map.fitBounds(b, { padding: { top: pad + ($('banner').hidden ? 0 : $('banner').offsetHeight), bottom: pad, left: pad, right: pad }, maxZoom, duration: 0 });
  }

  async function pickGrid(id) {
    if (state.mode !== 'grids') await setMode('grids');
    if (state.sel?.id === id) {
      fit(boundsOf([state.sel.feature.geometry]), 17);
      return;
    }
    if (isDirty() && !confirm(t('discard'))) return;
    await select(id);
  }

  // ---- the map ----
  let handles = null; // set once the map has loaded
  map.on('click', (e) => {
    if (!handles || handles.isDragging() || !state.user) return;
    if (map.queryRenderedFeatures(e.point, { layers: ['ed-vertex', 'ed-mid'] }).length) return;
    const layer = MODES[state.mode] === 'point' ? 'ed-points' : 'ed-fill';
    const f = map.queryRenderedFeatures(e.point, { layers: [layer] })[0];
    if (f && (!state.sel || state.sel.id !== f.id)) {
      if (isDirty() && !confirm(t('discard'))) return;
      select(f.id, { fit: false });
    }
  });
  for (const id of ['park-capacity', 'park-free']) $(id).addEventListener('input', () => changed());

  // ---- removing a vertex: right-click, the Delete key, the Delete vertex button ----
  // removeVertex takes vertex i out of the edited ring, as one step to
  // undo, unless the ring would be no polygon: then it says so and keeps
  // the vertex picked. Reports whether it removed it.
  function removeVertex(i) {
    const sh = state.shape;
    if (!sh?.ring || i === undefined || i < 0 || i >= sh.ring.length) return false;
    if (sh.ring.length <= MIN_VERTICES) {
      sh.active = i;
      drawShape(map, sh);
      $('vertex-note').textContent = t('minVertices', { n: MIN_VERTICES });
      return false;
    }
    undo.remember({ ring: sh.ring, origin: sh.origin });
    sh.ring.splice(i, 1);
    sh.origin.splice(i, 1);
    sh.active = undefined;
    drawShape(map, sh);
    changed();
    return true;
  }
  $('delete-vertex').addEventListener('click', () => removeVertex(state.shape?.active));
  // The bar over the map shows while a vertex is picked, whoever picked it.
  map.getContainer().addEventListener('partymap:shape', (ev) => showVertexBar(ev.detail));
  function showVertexBar(sh) {
    const bar = $('vertex-bar');
    const picked = !!sh?.ring && sh.active !== undefined && sh.active < sh.ring.length;
    if (!picked || bar.dataset.vertex !== `${sh.active}/${sh.ring.length}`) $('vertex-note').textContent = '';
    bar.hidden = !picked;
    bar.dataset.vertex = picked ? `${sh.active}/${sh.ring.length}` : '';
    if (picked) $('vertex-which').textContent = t('vertexOf', { n: sh.active + 1, of: sh.ring.length });
  }

  // ---- undo, redo, keys ----
  const keys = installKeys({ map, state, undo, changed, remove: removeVertex, save: () => save(), cancel: () => cancelEdit(), deselect: () => clearSelection(), isDirty: () => isDirty() });
  $('undo').addEventListener('click', keys.undo);
  $('redo').addEventListener('click', keys.redo);

  // ---- checking and saving ----
  function isDirty() {
    if (!state.sel || !state.base) return false;
    if (state.base.ring) return !sameRing(state.shape.ring, state.base.ring);
    if (state.base.point) return !same(state.shape.point, state.base.point);
    return Number($('park-capacity').value) !== state.base.props.capacity || Number($('park-free').value) !== state.base.props.free;
  }

  function setCheck(c) {
    state.check = c;
    renderCheck();
  }

  // changed asks the server's dry run about the edit, unless it changes
  // nothing: then there is nothing to save.
  async function changed() {
    const seq = ++state.checkSeq;
    state.lastValid = false;
    showProblems(map, []);
    updateButtons();
    if (!isDirty()) {
      state.proposing = false;
      setCheck({ kind: 'nothing' });
      return;
    }
    setCheck({ kind: 'checking' });
    // An editor of some grids asks as a proposal: the answer says whether
    // it needs the agreement of other grids' editors (then it is one).
    const restricted = ring() && state.user.role !== 'admin' && state.user.grids?.length > 0;
    const r = restricted ? await sendProposal(true) : await send(true);
    if (seq !== state.checkSeq) return;
    state.proposing = false;
    if (!r.ok) {
      refused(r);
      return;
    }
    state.lastValid = true;
    if (!restricted) {
      setCheck({ kind: 'ready', changes: r.data?.changes || [] });
      return;
    }
    const p = r.data.proposal;
    if (p.needs.length) {
      state.proposing = true;
      setCheck({ kind: 'propose', grids: p.grids.filter((g) => p.needs.includes(g.key)), preview: p.preview });
      return;
    }
    setCheck({ kind: 'ready', changes: p.preview.map((it) => ({ ...it.feature, version: it.old_version + 1, note_zh: it.note_zh, note_en: it.note_en })) });
  }

  // refused shows why the server said no; a stale version opens the banner.
  function refused(r) {
    if (r.status === 412 && r.data?.current) {
      setCheck(null);
      conflicts.theirsArrived({ etag: r.data.current_etag, version: r.data.current_version, feature: r.data.current, who: r.data.current_by, at: r.data.current_at });
      return;
    }
    const violations = r.data?.violations || [];
    showProblems(map, violations);
    setCheck({ kind: 'refused', text: violations.length ? '' : problemText(r, i18n), violations });
  }

  // send posts the edit, as a dry run or for real.
  function send(dryRun, comment) {
    const query = { dry_run: dryRun ? 'true' : '', comment };
    const headers = { 'If-Match': state.sel.etag };
    if (ring()) {
      const shape = { type: 'Polygon', coordinates: [[...state.shape.ring, state.shape.ring[0]]] };
      return api.call('POST', `api/grids/${state.sel.id}/reshape`, { body: shape, type: 'application/geo+json', headers, query });
    }
    const patch = MODES[state.mode] === 'numbers'
      ? { properties: { capacity: Number($('park-capacity').value), free: Number($('park-free').value) } }
      : { geometry: { type: 'Point', coordinates: state.shape.point } };
    return api.call('PATCH', `collections/${state.mode}/items/${state.sel.id}`, { body: patch, type: 'application/merge-patch+json', headers, query });
  }

  function sendProposal(dryRun, comment) {
    const shape = { type: 'Polygon', coordinates: [[...state.shape.ring, state.shape.ring[0]]] };
    return api.call('POST', `api/grids/${state.sel.id}/proposals`, { body: shape, type: 'application/geo+json', headers: { 'If-Match': state.sel.etag }, query: { dry_run: dryRun ? 'true' : '', comment } });
  }

  const unresolved = () => state.rebase && state.rebase.r.conflicts.some((c) => !state.rebase.choices[c.id]);

  function updateButtons() {
    $('save').disabled = !state.lastValid || state.saving || unresolved();
    $('save').textContent = state.proposing ? t('propose') : t('save');
    $('undo').disabled = !undo.canUndo();
    $('redo').disabled = !undo.canRedo();
    $('comment-box').hidden = !state.sel || !isDirty();
  }

  // renderCheck shows the last check or save in the current language.
  function renderCheck() {
    updateButtons();
    renderStatus($('status'), state.check, { i18n, fit });
  }

  async function save() {
    if (!state.lastValid || state.saving || unresolved()) return;
    const comment = $('comment').value.trim();
    if (ring() && !comment) {
      setCheck({ kind: 'needComment' });
      $('comment').focus();
      return;
    }
    state.saving = true;
    updateButtons();
    const proposing = state.proposing;
    const r = proposing ? await sendProposal(false, comment) : await send(false, comment);
    state.saving = false;
    if (r.ok && proposing) {
      const id = state.sel.id;
      await select(id, { fit: false });
      setCheck({ kind: 'proposed', id: r.data.id, grids: r.data.grids.filter((g) => r.data.needs.includes(g.key)) });
      await desk.load();
    } else if (r.ok) {
      editor.saved += 1;
      await afterWrite(r.data);
      await select(state.sel.id, { fit: false });
      setCheck({ kind: 'saved', id: r.data.change_set });
    } else {
      refused(r);
    }
    updateButtons();
    const heard = state.pending;
    state.pending = [];
    for (const c of heard) onChange(c);
  }
  $('save').addEventListener('click', save);

  function cancelEdit() {
    if (!state.sel) return;
    select(state.sel.id, { fit: false });
  }
  $('cancel').addEventListener('click', cancelEdit);

  // afterWrite shows the saved state: the features, the desk and the
  // map's tiles around the change, fetched fresh past the browser cache.
  async function afterWrite(answer) {
    await loadFeatures();
    const geoms = [];
    for (const f of state.features?.features || []) {
      if ((answer?.changes || []).some((c) => c.layer === state.mode && c.id === f.id)) geoms.push(f.geometry);
    }
    await refreshTiles(map, geoms);
  }

  // ---- a colleague's change ----
  function onChange(c) {
    if (c.layer === 'grids' || c.layer === state.mode) scheduleReload(c.layer);
    // A grid that changed may make a proposal stale: the desk looks again.
    if (c.layer === 'grids') scheduleDesk();
    if (!state.sel || c.layer !== state.mode || c.id !== state.sel.id || c.version <= state.sel.version) return;
    if (state.saving) {
      state.pending.push(c);
      return;
    }
    conflicts.theirChange(c);
  }

  // scheduleReload reads a layer's features again once a burst of changes
  // (a reshape, an import) has passed: the grids (names, the finder,
  // snapping) and the mode's layer.
  let reloadTimer = null;
  const stale = new Set();
  function scheduleReload(layer) {
    stale.add(layer);
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      if (!state.user) return;
      if (stale.has('grids') || stale.has(state.mode)) {
        if (state.mode !== 'grids' && stale.has('grids')) loadGrids().then(() => loadFeatures());
        else loadFeatures();
      }
      stale.clear();
    }, 300);
  }

  let deskTimer = null;
  function scheduleDesk() {
    clearTimeout(deskTimer);
    deskTimer = setTimeout(() => { if (state.user) desk.load(); }, 200);
  }
  window.addEventListener('partymap:change', (ev) => onChange(ev.detail));
  window.addEventListener('partymap:proposal', scheduleDesk);
  window.addEventListener('partymap:live', (ev) => { if (ev.detail === 'connected' && state.user) desk.load(); });

  applyLang();

  // The login form shows once the map can take the editor's layers.
  await new Promise((resolve) => map.once('load', resolve));
  addEditLayers(map);
  handles = editHandles(map, {
    shape: () => state.shape,
    others: () => (state.grids?.features || []).filter((f) => f.id !== state.sel?.id && f.geometry.type === 'Polygon'),
    remember: (before) => undo.remember(before),
    changed,
    remove: removeVertex,
  });
  map.setGlobalStateProperty('lang', i18n.lang());
  followChanges(map);
  const session = await api.resume();
  if (session) await loggedIn(session);
  else $('login').hidden = false;
  editor.ready = true;
}

// refreshTiles fetches the tiles around written geometries past the
// browser's cache, then has the map draw them again.
async function refreshTiles(map, geometries) {
  const src = map.getSource(SOURCE);
  const b = boundsOf(geometries);
  if (!src || !src.tiles || !b) return;
  const z = Math.max(0, Math.min(Math.floor(map.getZoom()), src.maxzoom ?? 22));
  const n = 2 ** z;
  const tx = (lon) => Math.floor(((lon + 180) / 360) * n);
  const ty = (lat) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  };
  const urls = [];
  for (let x = tx(b[0][0]) - 1; x <= tx(b[1][0]) + 1; x++) {
    for (let y = ty(b[1][1]) - 1; y <= ty(b[0][1]) + 1; y++) {
      urls.push(src.tiles[0].replace('{z}', z).replace('{x}', x).replace('{y}', y));
    }
  }
  await Promise.all(urls.slice(0, 64).map((u) => fetch(u, { cache: 'reload' }).catch(() => null)));
  src.setTiles(src.tiles);
}
