// The editor's shapes on the map: the mode's features, the edited grid's
// ring with a handle on each vertex and each edge's midpoint (drag a vertex,
// drag a midpoint to add one, right-click a vertex to remove it), or the
// edited point; a dragged vertex snaps to the neighbouring grids.

const SNAP_PX = 10;

const empty = () => ({ type: 'FeatureCollection', features: [] });

/** addEditLayers adds the editor's sources and layers above the map's style. */
export function addEditLayers(map) {
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
}

/** showFeatures draws the mode's features, the ones that can be picked. */
export function showFeatures(map, fc) {
  map.getSource('ed-features').setData(fc || empty());
}

/** clearShape removes the edited shape and its handles. */
export function clearShape(map) {
  map.getSource('ed-shape')?.setData(empty());
  map.getSource('ed-handles')?.setData(empty());
}

/**
 * drawShape draws what is being edited: shape.ring (a grid's ring without
 * its closing point) with its handles, or shape.point.
 */
export function drawShape(map, shape) {
  if (shape.ring) {
    const ring = shape.ring;
    map.getSource('ed-shape').setData({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] }, properties: {} });
    const handles = ring.map((p, i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: { kind: 'vertex', i } }));
    ring.forEach((p, i) => {
      const q = ring[(i + 1) % ring.length];
      handles.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2] }, properties: { kind: 'mid', i } });
    });
    map.getSource('ed-handles').setData({ type: 'FeatureCollection', features: handles });
  } else if (shape.point) {
    map.getSource('ed-shape').setData(empty());
    map.getSource('ed-handles').setData({ type: 'Feature', geometry: { type: 'Point', coordinates: shape.point }, properties: { kind: 'point', i: 0 } });
  }
}

/**
 * editHandles lets the mouse edit the shape that shape() returns (null when
 * nothing is selected): dragging a handle moves it, a grid's vertex
 * snapping to others() (the other grids' features); right-clicking a vertex
 * removes it. changed() is called after each edit. Returns isDragging().
 */
export function editHandles(map, { shape, others, changed }) {
  let dragging = null; // { i } while a handle is held
  const start = (e, kind) => {
    const s = shape();
    if (!s || e.originalEvent.button !== 0) return;
    e.preventDefault();
    let i = e.features[0].properties.i;
    if (kind === 'mid') {
      s.ring.splice(i + 1, 0, e.lngLat.toArray());
      i += 1;
    }
    dragging = { i };
    map.dragPan.disable();
  };
  map.on('mousedown', 'ed-vertex', (e) => start(e, 'vertex'));
  map.on('mousedown', 'ed-mid', (e) => start(e, 'mid'));
  map.on('mousemove', (e) => {
    const s = shape();
    if (!dragging || !s) return;
    if (s.ring) s.ring[dragging.i] = snap(map, e.point, e.lngLat.toArray(), others());
    else s.point = e.lngLat.toArray();
    drawShape(map, s);
  });
  map.on('mouseup', () => {
    if (!dragging) return;
    dragging = null;
    map.dragPan.enable();
    changed();
  });
  map.on('contextmenu', 'ed-vertex', (e) => {
    e.preventDefault();
    const s = shape();
    if (!s?.ring || s.ring.length <= 3) return;
    s.ring.splice(e.features[0].properties.i, 1);
    drawShape(map, s);
    changed();
  });
  return { isDragging: () => !!dragging };
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
