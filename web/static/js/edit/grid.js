// The editor's shapes on the map: the mode's features (one's own grids in
// blue, the others grey and dashed, each grid with its code and name), the
// edited grid's ring with a handle on each vertex and each edge's midpoint
// (drag a vertex, drag a midpoint to add one, right-click a vertex to
// remove it), or the edited point; a dragged vertex snaps to the
// neighbouring grids, and a drag shorter than the snapping radius is no
// change. Besides: a refusal's problems (gaps, overlaps, split compounds),
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

/** clearShape removes the edited shape and its handles. */
export function clearShape(map) {
  put(map, 'ed-shape', empty());
  put(map, 'ed-handles', empty());
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

/**
 * editHandles lets mouse and finger edit the shape that shape() returns
 * (null when nothing is being edited): dragging a handle moves it, a
 * grid's vertex snapping to others() (the other grids' features);
 * right-clicking a vertex removes it. A drag shorter than SNAP_PX puts the
 * handle back and changes nothing. remember(snapshot) is called before
 * each change with the shape as it was (for undo), changed() after it.
 * Returns { isDragging }.
 */
export function editHandles(map, { shape, others, remember, changed }) {
  let dragging = null; // { i, start, from, added, snapshot } while a handle is held
  const snapshot = (s) => (s.ring ? { ring: s.ring.map((p) => p.slice()), origin: s.origin.slice() } : { point: s.point.slice() });
  const start = (e, kind) => {
    const s = shape();
    if (!s || (e.originalEvent.button !== undefined && e.originalEvent.button !== 0)) return;
    e.preventDefault();
    const before = snapshot(s);
    let i = e.features[0].properties.i;
    let added = false;
    if (kind === 'mid') {
      s.ring.splice(i + 1, 0, e.lngLat.toArray());
      s.origin.splice(i + 1, 0, -1);
      i += 1;
      added = true;
    }
    const from = s.ring ? s.ring[i].slice() : s.point.slice();
    dragging = { i, start: e.point, from, added, snapshot: before };
    map.dragPan.disable();
  };
  const move = (e) => {
    const s = shape();
    if (!dragging || !s) return;
    if (s.ring) s.ring[dragging.i] = snap(map, e.point, e.lngLat.toArray(), others());
    else s.point = e.lngLat.toArray();
    drawShape(map, s);
  };
  const end = (e) => {
    if (!dragging) return;
    const d = dragging;
    dragging = null;
    map.dragPan.enable();
    const s = shape();
    if (!s) return;
    const at = e && e.point ? e.point : d.start;
    if (Math.hypot(at.x - d.start.x, at.y - d.start.y) < SNAP_PX) {
      // A slip of the hand, not a move: put it back.
      if (d.added) {
        s.ring.splice(d.i, 1);
        s.origin.splice(d.i, 1);
      } else if (s.ring) s.ring[d.i] = d.from;
      else s.point = d.from;
      drawShape(map, s);
      return;
    }
    if (s.ring) s.active = d.i;
    remember(d.snapshot);
    changed();
  };
  for (const layer of ['ed-vertex', 'ed-mid']) {
    const kind = layer === 'ed-mid' ? 'mid' : 'vertex';
    map.on('mousedown', layer, (e) => start(e, kind));
    map.on('touchstart', layer, (e) => start(e, kind));
  }
  map.on('mousemove', move);
  map.on('touchmove', move);
  map.on('mouseup', end);
  map.on('touchend', end);
  map.on('contextmenu', 'ed-vertex', (e) => {
    e.preventDefault();
    const s = shape();
    if (!s?.ring || s.ring.length <= 3) return;
    remember(snapshot(s));
    const i = e.features[0].properties.i;
    s.ring.splice(i, 1);
    s.origin.splice(i, 1);
    s.active = undefined;
    drawShape(map, s);
    changed();
  });
  return { isDragging: () => !!dragging };
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
      const a = map.project(r[k]);
      const b = map.project(r[k + 1]);
      const abx = b.x - a.x;
      const aby = b.y - a.y;
      const len = abx * abx + aby * aby;
      if (!len) continue;
      const t = Math.max(0, Math.min(1, ((px.x - a.x) * abx + (px.y - a.y) * aby) / len));
      const d = Math.hypot(a.x + t * abx - px.x, a.y + t * aby - px.y);
      if (d < bestD) {
        bestD = d;
        best = [r[k][0] + t * (r[k + 1][0] - r[k][0]), r[k][1] + t * (r[k + 1][1] - r[k][1])];
      }
    }
  }
  return best || lngLat;
}
