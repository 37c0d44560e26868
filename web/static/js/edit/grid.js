// The editor's shapes on the map: the mode's features (one's own grids in
// blue, the others grey and dashed, each grid with its code and name), the
// edited grid's ring with a handle on each vertex and each edge's midpoint
// (drag a vertex, drag a midpoint or long-press an edge to add one, tap or
// click a vertex to pick it, right-click a vertex to remove it), or the
// edited point, all through pointer events (mouse, pen and finger alike);
// a dragged vertex snaps to the neighbouring grids, and a drag shorter than
// the snapping radius is no change. Besides: a refusal's problems (gaps, overlaps, split compounds),
// a colleague's outline beside one's own, and before/after outlines (a
// proposal, a change set).
//
// The edited ring carries, for each vertex, the index of the vertex of the
// saved ring it came from (origin; -1 for one added): what a rebase needs
// (rebase.js).

/** SNAP_PX is the snapping radius: a drag shorter than it is no change. */
export const SNAP_PX = 10;

const FONT = ['Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'sans-serif'];
const BOLD = ['Noto Sans CJK SC Bold', ...FONT];

const empty = () => ({ type: 'FeatureCollection', features: [] });

/** drawn counts the features last drawn in each of the editor's sources: what tests look at. */
export const drawn = {};

// put draws data in one of the editor's sources.
function put(map, id, data) {
  const src = map.getSource(id);
  if (!src) return;
  src.setData(data);
  drawn[id] = data.type === 'FeatureCollection' ? data.features.length : 1;
}
const fc = (features) => ({ type: 'FeatureCollection', features });
const feature = (geometry, properties = {}) => ({ type: 'Feature', geometry, properties });
const polygon = (ring) => ({ type: 'Polygon', coordinates: [[...ring, ring[0]]] });

/** touchScreen reports whether the page is used with fingers: bigger handles. */
export const touchScreen = () => typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;

/** addEditLayers adds the editor's sources and layers above the map's style. */
export function addEditLayers(map) {
  for (const id of ['ed-features', 'ed-labels', 'ed-review', 'ed-problems', 'ed-theirs', 'ed-shape', 'ed-marks', 'ed-handles']) {
    map.addSource(id, { type: 'geojson', data: empty() });
  }
  const isPolygon = ['==', ['geometry-type'], 'Polygon'];
  const mine = ['boolean', ['get', 'mine'], false];
  map.addLayer({ id: 'ed-fill', type: 'fill', source: 'ed-features', filter: isPolygon,
    paint: { 'fill-color': ['case', mine, '#1565c0', '#757575'],
      'fill-opacity': ['case', ['boolean', ['get', 'selected'], false], 0.04, mine, 0.16, 0.10] } });
  map.addLayer({ id: 'ed-line', type: 'line', source: 'ed-features', filter: ['all', isPolygon, mine],
    paint: { 'line-color': '#0d47a1', 'line-width': 2 } });
  map.addLayer({ id: 'ed-line-other', type: 'line', source: 'ed-features', filter: ['all', isPolygon, ['!', mine]],
    paint: { 'line-color': '#616161', 'line-width': 1.2, 'line-dasharray': [3, 2] } });
  map.addLayer({ id: 'ed-points', type: 'circle', source: 'ed-features', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 7, 'circle-color': '#1565c0', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });

  const role = (r) => ['==', ['get', 'role'], r];
  map.addLayer({ id: 'ed-review-gain', type: 'fill', source: 'ed-review', filter: role('gain'),
    paint: { 'fill-color': '#c2185b', 'fill-opacity': 0.45 } });
  map.addLayer({ id: 'ed-review-before', type: 'line', source: 'ed-review', filter: role('before'),
    paint: { 'line-color': '#424242', 'line-width': 2, 'line-dasharray': [2, 2] } });
  map.addLayer({ id: 'ed-review-after', type: 'line', source: 'ed-review', filter: role('after'),
    paint: { 'line-color': '#6a1b9a', 'line-width': 3 } });

  map.addLayer({ id: 'ed-problems-fill', type: 'fill', source: 'ed-problems', filter: ['!=', ['geometry-type'], 'Point'],
    paint: { 'fill-color': '#d50000', 'fill-opacity': 0.45 } });
  map.addLayer({ id: 'ed-problems-line', type: 'line', source: 'ed-problems', filter: ['!=', ['geometry-type'], 'Point'],
    paint: { 'line-color': '#d50000', 'line-width': 2.5 } });
  map.addLayer({ id: 'ed-problems-point', type: 'circle', source: 'ed-problems', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 10, 'circle-color': 'rgba(213,0,0,0.35)', 'circle-stroke-color': '#d50000', 'circle-stroke-width': 2.5 } });

  map.addLayer({ id: 'ed-theirs-line', type: 'line', source: 'ed-theirs', filter: ['!=', ['geometry-type'], 'Point'],
    paint: { 'line-color': '#ef6c00', 'line-width': 3, 'line-dasharray': [2, 1.5] } });
  map.addLayer({ id: 'ed-theirs-point', type: 'circle', source: 'ed-theirs', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 6, 'circle-color': '#ef6c00', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } });

  map.addLayer({ id: 'ed-shape-fill', type: 'fill', source: 'ed-shape', paint: { 'fill-color': '#b71c1c', 'fill-opacity': 0.14 } });
  map.addLayer({ id: 'ed-shape-line', type: 'line', source: 'ed-shape', paint: { 'line-color': '#b71c1c', 'line-width': 2.5 } });

  map.addLayer({ id: 'ed-marks', type: 'circle', source: 'ed-marks',
    paint: { 'circle-radius': 16, 'circle-color': 'rgba(239,108,0,0.15)', 'circle-stroke-color': '#ef6c00', 'circle-stroke-width': 3 } });
  map.addLayer({ id: 'ed-marks-label', type: 'symbol', source: 'ed-marks',
    layout: { 'text-field': ['get', 'label'], 'text-font': BOLD, 'text-size': 13, 'text-allow-overlap': true, 'text-offset': [0, -2.2] },
    paint: { 'text-color': '#e65100', 'text-halo-color': '#fff', 'text-halo-width': 2 } });

  // Handles: 16 px across (24 px on a touch screen), the vertices solid,
  // the midpoints hollow; the keyboard's vertex ringed.
  const r = touchScreen() ? 12 : 8;
  map.addLayer({ id: 'ed-mid', type: 'circle', source: 'ed-handles', filter: ['==', ['get', 'kind'], 'mid'],
    paint: { 'circle-radius': r - 2, 'circle-color': 'rgba(255,255,255,0.85)', 'circle-stroke-color': '#b71c1c', 'circle-stroke-width': 2 } });
  // The picked vertex (a tap, a click or [ and ]) is ringed besides:
  // yellow alone is hard to tell from red in the sun.
  map.addLayer({ id: 'ed-picked', type: 'circle', source: 'ed-handles', filter: ['boolean', ['get', 'active'], false],
    paint: { 'circle-radius': r + 7, 'circle-color': 'rgba(255,235,59,0.35)', 'circle-stroke-color': '#212121', 'circle-stroke-width': 2.5 } });
  map.addLayer({ id: 'ed-vertex', type: 'circle', source: 'ed-handles', filter: ['!=', ['get', 'kind'], 'mid'],
    paint: { 'circle-radius': r, 'circle-color': ['case', ['boolean', ['get', 'active'], false], '#ffeb3b', '#b71c1c'],
      'circle-stroke-color': ['case', ['boolean', ['get', 'active'], false], '#b71c1c', '#fff'], 'circle-stroke-width': 2.5 } });

  // One label a grid, at a point inside it (a GeoJSON source is cut into
  // tiles: labelled as polygons, a grid would be named once a tile).
  map.addLayer({ id: 'ed-labels', type: 'symbol', source: 'ed-labels',
    layout: { 'text-field': ['get', 'label'], 'text-font': BOLD, 'text-size': 14, 'text-allow-overlap': false, 'text-max-width': 9 },
    paint: { 'text-color': ['case', mine, '#0d47a1', '#424242'], 'text-halo-color': '#fff', 'text-halo-width': 2 } });
  // The map's own grid names would sit under these.
  if (map.getLayer('grids-label')) map.setLayoutProperty('grids-label', 'visibility', 'none');
}

/** showFeatures draws the mode's features, the ones that can be picked, and labels the polygons. */
export function showFeatures(map, collection) {
  put(map, 'ed-features', collection || empty());
  const labels = (collection?.features || []).filter((f) => f.geometry?.type === 'Polygon' && f.properties.label)
    .map((f) => feature({ type: 'Point', coordinates: labelPoint(f.geometry.coordinates[0]) }, { label: f.properties.label, mine: f.properties.mine }));
  put(map, 'ed-labels', fc(labels));
}

// labelPoint is a point well inside a ring: the middle of the longest
// horizontal run through it at its centroid's latitude (the centroid
// itself may fall outside a concave ring).
function labelPoint(ring) {
  let a = 0; let cx = 0; let cy = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i];
    const [x1, y1] = ring[i + 1];
    const c = x0 * y1 - x1 * y0;
    a += c; cx += (x0 + x1) * c; cy += (y0 + y1) * c;
  }
  if (!a) return ring[0];
  cx /= 3 * a; cy /= 3 * a;
  const xs = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i];
    const [x1, y1] = ring[i + 1];
    if ((y0 <= cy && y1 > cy) || (y1 <= cy && y0 > cy)) xs.push(x0 + ((cy - y0) / (y1 - y0)) * (x1 - x0));
  }
  xs.sort((p, q) => p - q);
  let best = null;
  for (let i = 0; i + 1 < xs.length; i += 2) if (!best || xs[i + 1] - xs[i] > best[1] - best[0]) best = [xs[i], xs[i + 1]];
  return best ? [(best[0] + best[1]) / 2, cy] : [cx, cy];
}

// shapeDrawn tells the page (main.js: the Delete vertex bar) what the map
// now shows of the edited shape, whoever drew it (a gesture, a key, an undo).
const shapeDrawn = (map, shape) => map.getContainer().dispatchEvent(new CustomEvent('partymap:shape', { detail: shape }));

/** clearShape removes the edited shape and its handles. */
export function clearShape(map) {
  put(map, 'ed-shape', empty());
  put(map, 'ed-handles', empty());
  shapeDrawn(map, null);
}

/**
 * drawShape draws what is being edited: shape.ring (a grid's ring without
 * its closing point) with its handles, shape.active being the vertex the
 * keyboard moves; or shape.point.
 */
export function drawShape(map, shape) {
  if (shape.ring) {
    const ring = shape.ring;
    put(map, 'ed-shape', feature(polygon(ring)));
    const handles = ring.map((p, i) => feature({ type: 'Point', coordinates: p }, { kind: 'vertex', i, active: i === shape.active }));
    ring.forEach((p, i) => {
      const q = ring[(i + 1) % ring.length];
      handles.push(feature({ type: 'Point', coordinates: [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2] }, { kind: 'mid', i }));
    });
    put(map, 'ed-handles', fc(handles));
  } else if (shape.point) {
    put(map, 'ed-shape', empty());
    put(map, 'ed-handles', feature({ type: 'Point', coordinates: shape.point }, { kind: 'point', i: 0 }));
  }
  shapeDrawn(map, shape);
}

/** showProblems draws the geometries of a refusal's violations. */
export function showProblems(map, violations) {
  put(map, 'ed-problems', fc((violations || []).filter((v) => v.geometry).map((v) => feature(v.geometry, { rule: v.rule }))));
}

/**
 * showTheirs draws a colleague's outline (a ring, or null to clear) and
 * the points they changed.
 */
export function showTheirs(map, ring, points = []) {
  const fs = ring ? [feature(polygon(ring))] : [];
  for (const p of points) fs.push(feature({ type: 'Point', coordinates: p }));
  put(map, 'ed-theirs', fc(fs));
}

/** showMarks rings points that need a choice, each with a label. */
export function showMarks(map, marks = []) {
  put(map, 'ed-marks', fc(marks.map((m) => feature({ type: 'Point', coordinates: m.at }, { label: m.label }))));
}

/**
 * showReview draws outlines before (dashed) and after (solid), and where a
 * feature gains (filled): items are { before, after, gain } GeoJSON
 * geometries (any may be null).
 */
export function showReview(map, items = []) {
  const fs = [];
  for (const it of items) {
    if (it.gain) fs.push(feature(it.gain, { role: 'gain' }));
    if (it.before) fs.push(feature(it.before, { role: 'before' }));
    if (it.after) fs.push(feature(it.after, { role: 'after' }));
  }
  put(map, 'ed-review', fc(fs));
}

/** boundsOf returns [[w, s], [e, n]] around GeoJSON geometries, or null. */
export function boundsOf(geometries) {
  let w = Infinity; let s = Infinity; let e = -Infinity; let n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
      return;
    }
    for (const x of c) walk(x);
  };
  for (const g of geometries) if (g && g.coordinates) walk(g.coordinates);
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

/** MIN_VERTICES is the fewest vertices a grid's ring may keep: fewer is no polygon. */
export const MIN_VERTICES = 3;

/** LONG_PRESS_MS is how long a press on an edge is held to add a vertex there. */
export const LONG_PRESS_MS = 500;

/** LONG_PRESS_SLOP_PX: a press that wanders further is a pan, not a long-press. */
export const LONG_PRESS_SLOP_PX = 8;

// How far from a handle a pointer may land and still take it: a mouse is
// exact, a fingertip covers several pixels; and from an edge, a fingertip
// or a pen's.
const reach = (pointerType) => (pointerType === 'mouse' ? 2 : 8);
const EDGE_REACH_PX = 14;

// edgeAt finds the edge of a ring nearest the screen point p, within tol
// pixels: { i (the edge from vertex i to the next), at (the point on it
// nearest p, in the map's coordinates) }, or null.
function edgeAt(map, ring, p, tol) {
  let best = null;
  const pts = ring.map((c) => map.project(c));
  for (let i = 0; i < ring.length; i++) {
    const j = (i + 1) % ring.length;
    const near = nearestOnEdge(pts[i], pts[j], p);
    if (near && near.d <= tol && (!best || near.d < best.d)) {
      best = { d: near.d, i, at: along(ring[i], ring[j], near.t) };
    }
  }
  return best && { i: best.i, at: best.at };
}

// nearestOnEdge is where, in pixels, the edge from a to b comes nearest
// p: its fraction t along the edge and its distance d; null for an edge
// of no length.
function nearestOnEdge(a, b, p) {
  const abx = b.x - a.x;
  const aby = b.y - a.y;
  const len = abx * abx + aby * aby;
  if (!len) return null;
  const t = Math.max(0, Math.min(1, ((p.x - a.x) * abx + (p.y - a.y) * aby) / len));
  return { t, d: Math.hypot(a.x + t * abx - p.x, a.y + t * aby - p.y) };
}

// along is the point the fraction t of the way from a to b.
function along(a, b, t) {
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}

/**
 * editHandles lets mouse, pen and finger edit the shape that shape()
 * returns (null when nothing is being edited), through one path of
 * pointer events: dragging a handle moves it, a grid's vertex snapping to
 * others() (the other grids' features), a midpoint adding a vertex;
 * tapping (or clicking) a vertex picks it (shape.active, what the Delete
 * key and the Delete vertex button remove); a finger or a pen pressing an
 * edge (or a midpoint) for LONG_PRESS_MS adds a vertex there, which the
 * same press can then drag (a mouse has its midpoints, and its presses
 * pan the map as they always did);
 * right-clicking a vertex calls remove(i). A drag shorter than SNAP_PX
 * puts the handle back and changes nothing. While a handle is held the
 * map neither pans nor turns. remember(snapshot) is called before each
 * change with the shape as it was (for undo), changed() after it: a
 * gesture changes the edit, never the saved data. Returns { isDragging }.
 */
export function editHandles(map, { shape, others, remember, changed, remove }) {
  const el = map.getCanvasContainer();
  let dragging = null; // { id, i, kind, start, from, added, kept, snapshot } while a handle is held
  let press = null; // { id, start, i, at, timer } while an edge is pressed
  let lastPointer = 'mouse';
  let endedAt = 0;
  const snapshot = (s) => (s.ring ? { ring: s.ring.map((p) => p.slice()), origin: s.origin.slice() } : { point: s.point.slice() });
  const pos = (ev) => {
    const r = el.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  };

  // The long-press's hint: a ring growing where the vertex will land.
  const hint = document.createElement('div');
  hint.className = 'press-hint';
  hint.hidden = true;
  map.getContainer().append(hint);
  let hintAt = null;
  const placeHint = () => {
    if (!hintAt) return;
    const q = map.project(hintAt);
    hint.style.transform = `translate(${q.x}px, ${q.y}px)`;
  };
  map.on('move', placeHint);
  const showHint = (at) => {
    hintAt = at;
    placeHint();
    hint.hidden = false;
    hint.classList.remove('grow');
    void hint.offsetWidth; // restart the animation
    hint.classList.add('grow');
  };
  const hideHint = () => {
    hintAt = null;
    hint.hidden = true;
    hint.classList.remove('grow');
  };

  // hold keeps the map still while a handle is held: its own pan and
  // pinch would take the finger's moves too.
  let held = null;
  const hold = () => {
    if (held) return;
    held = { pan: map.dragPan.isEnabled(), zoom: map.touchZoomRotate.isEnabled() };
    map.dragPan.disable();
    map.touchZoomRotate.disable();
  };
  const release = () => {
    if (!held) return;
    if (held.pan) map.dragPan.enable();
    if (held.zoom) map.touchZoomRotate.enable();
    held = null;
  };
  const capture = (id) => {
    try {
      el.setPointerCapture(id);
    } catch {
      // The pointer is gone already: its pointerup ends the gesture.
    }
  };

  // handleAt is the handle under the screen point p: the nearest vertex or
  // midpoint within reach (a vertex first), or the edited point.
  function handleAt(s, p, pointerType) {
    const r = touchScreen() ? 12 : 8;
    const slack = reach(pointerType);
    let best = null;
    const consider = (kind, i, c, radius) => {
      const q = map.project(c);
      const d = Math.hypot(q.x - p.x, q.y - p.y);
      if (d <= radius + slack && (!best || d < best.d)) best = { kind, i, d };
    };
    if (s.point) consider('point', 0, s.point, r);
    if (s.ring) {
      s.ring.forEach((c, i) => consider('vertex', i, c, r));
      if (best) return best;
      s.ring.forEach((c, i) => {
        const q = s.ring[(i + 1) % s.ring.length];
        consider('mid', i, [(c[0] + q[0]) / 2, (c[1] + q[1]) / 2], r - 2);
      });
    }
    return best;
  }

  function begin(ev, s, h, p) {
    const before = snapshot(s);
    let i = h.i;
    let added = false;
    if (h.kind === 'mid') {
      // As with a mouse since the start: the new vertex is where the
      // midpoint was taken, and it goes again if the drag is a slip.
      s.ring.splice(i + 1, 0, map.unproject([p.x, p.y]).toArray());
      s.origin.splice(i + 1, 0, -1);
      i += 1;
      added = true;
      drawShape(map, s);
    }
    const from = s.ring ? s.ring[i].slice() : s.point.slice();
    const d = { id: ev.pointerId, i, kind: h.kind, start: p, from, added, kept: false, snapshot: before, timer: null };
    if (added && ev.pointerType !== 'mouse') {
      // A midpoint held still by a finger or a pen is a long-press on its
      // edge too: the vertex stays. (A mouse's midpoint is dragged as it
      // always was: a slip puts it back, however slow.)
      showHint(from);
      d.timer = setTimeout(() => {
        d.timer = null;
        d.kept = true;
        s.active = d.i;
        hideHint();
        drawShape(map, s);
      }, LONG_PRESS_MS);
    }
    dragging = d;
    hold();
    capture(ev.pointerId);
  }

  function move(p) {
    const s = shape();
    if (!s) return;
    if (dragging.timer && Math.hypot(p.x - dragging.start.x, p.y - dragging.start.y) > LONG_PRESS_SLOP_PX) {
      clearTimeout(dragging.timer);
      dragging.timer = null;
      hideHint();
    }
    if (s.ring) s.ring[dragging.i] = snap(map, p, map.unproject([p.x, p.y]).toArray(), others());
    else s.point = map.unproject([p.x, p.y]).toArray();
    drawShape(map, s);
  }

  function end(p) {
    const d = dragging;
    dragging = null;
    clearTimeout(d.timer);
    hideHint();
    endedAt = performance.now();
    release();
    const s = shape();
    if (!s) return;
    const moved = !!p && Math.hypot(p.x - d.start.x, p.y - d.start.y) >= SNAP_PX;
    if (!moved) {
      // A tap or a slip of the hand, not a move: the handle goes back (a
      // long-press's vertex stays where it was added); a tapped vertex is
      // picked.
      if (s.ring) s.ring[d.i] = d.from;
      else s.point = d.from;
      if (d.added && !d.kept) {
        s.ring.splice(d.i, 1);
        s.origin.splice(d.i, 1);
      } else if (d.kind === 'vertex' && !d.kept) {
        s.active = d.i;
      }
      if (!d.kept) {
        drawShape(map, s);
        return;
      }
    }
    if (s.ring) s.active = d.i;
    drawShape(map, s);
    remember(d.snapshot);
    changed();
  }

  function startPress(ev, p, edge) {
    press = { id: ev.pointerId, start: p, i: edge.i, at: edge.at, timer: setTimeout(longPress, LONG_PRESS_MS) };
    showHint(edge.at);
  }

  function stopPress() {
    if (!press) return;
    clearTimeout(press.timer);
    press = null;
    hideHint();
  }

  // longPress adds the pressed edge's vertex; the press goes on as its drag.
  function longPress() {
    const pr = press;
    stopPress();
    const s = shape();
    if (!s?.ring) return;
    const before = snapshot(s);
    const i = pr.i + 1;
    s.ring.splice(i, 0, pr.at.slice());
    s.origin.splice(i, 0, -1);
    s.active = i;
    dragging = { id: pr.id, i, kind: 'vertex', start: map.project(pr.at), from: pr.at.slice(), added: true, kept: true, snapshot: before };
    hold();
    capture(pr.id);
    drawShape(map, s);
  }

  el.addEventListener('pointerdown', (ev) => {
    lastPointer = ev.pointerType;
    // One pointer at a time: a second finger is the map's (a pinch, which
    // makes a press on an edge no long-press), and only the main button
    // (a mouse's left, a finger, a pen's tip) edits.
    if (press && ev.pointerId !== press.id) stopPress();
    if (dragging || press || !ev.isPrimary || ev.button !== 0) return;
    const s = shape();
    if (!s) return;
    const p = pos(ev);
    const h = handleAt(s, p, ev.pointerType);
    if (h) {
      begin(ev, s, h, p);
      return;
    }
    const edge = ev.pointerType !== 'mouse' && s.ring && edgeAt(map, s.ring, p, EDGE_REACH_PX);
    if (edge) startPress(ev, p, edge);
  });
  el.addEventListener('pointermove', (ev) => {
    if (press && ev.pointerId === press.id) {
      const p = pos(ev);
      if (Math.hypot(p.x - press.start.x, p.y - press.start.y) > LONG_PRESS_SLOP_PX) stopPress();
      return;
    }
    if (!dragging || ev.pointerId !== dragging.id) return;
    ev.preventDefault();
    move(pos(ev));
  });
  el.addEventListener('pointerup', (ev) => {
    if (press && ev.pointerId === press.id) {
      // Let go before the time: a tap on the edge adds nothing.
      stopPress();
      endedAt = performance.now();
    }
    if (dragging && ev.pointerId === dragging.id) end(pos(ev));
  });
  el.addEventListener('pointercancel', (ev) => {
    if (press && ev.pointerId === press.id) stopPress();
    if (dragging && ev.pointerId === dragging.id) end(null);
  });
  // A finger held still is a long-press, never a right-click: neither the
  // browser's menu nor MapLibre's contextmenu (which it fires for a touch
  // held 500 ms) removes a vertex.
  el.addEventListener('contextmenu', (ev) => {
    if (lastPointer !== 'mouse') ev.preventDefault();
  });
  map.on('contextmenu', 'ed-vertex', (e) => {
    e.preventDefault();
    if (lastPointer !== 'mouse' || !shape()?.ring) return;
    remove(e.features[0].properties.i);
  });
  // A click that ends a gesture (a drag, a long-press, a tap on the edge)
  // is the gesture's, not a pick of the grid under it.
  return { isDragging: () => !!dragging || !!press || performance.now() - endedAt < 400 };
}

/**
 * nudge moves the shape's active vertex (or its point) by dx, dy screen
 * pixels, as the arrow keys do.
 */
export function nudge(map, s, dx, dy) {
  const p = s.ring ? s.ring[s.active] : s.point;
  const q = map.project(p);
  const to = map.unproject([q.x + dx, q.y + dy]).toArray();
  if (s.ring) s.ring[s.active] = to;
  else s.point = to;
}

// snap moves a dragged vertex onto the nearest vertex, else the nearest
// edge, of another polygon within SNAP_PX pixels.
function snap(map, px, lngLat, others) {
  let best = null;
  let bestD = SNAP_PX;
  for (const f of others) {
    for (const p of f.geometry.coordinates[0]) {
      const q = map.project(p);
      const d = Math.hypot(q.x - px.x, q.y - px.y);
      if (d < bestD) { bestD = d; best = p.slice(); }
    }
  }
  if (best) return best;
  bestD = SNAP_PX;
  for (const f of others) {
    const r = f.geometry.coordinates[0];
    for (let k = 0; k + 1 < r.length; k++) {
      const near = nearestOnEdge(map.project(r[k]), map.project(r[k + 1]), px);
      if (near && near.d < bestD) {
        bestD = near.d;
        best = along(r[k], r[k + 1], near.t);
      }
    }
  }
  return best || lngLat;
}
