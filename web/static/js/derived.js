// Geometry the viewer derives from the vector tiles, in two inline GeoJSON
// sources of the style:
//
//   flag-poles  an extruded square around each party organization, as tall
//               as the style's flag height, so that the flag (a symbol lifted
//               to the same height) flies from its top;
//   labels      one point per grid, compound and landmark: tiles cut polygons
//               at their edges, and a label per piece would name a grid twice.
//
// Both follow the tiles: whatever the loaded tiles hold at this zoom, and
// nothing is redrawn unless that changes.

import { SOURCE, POLES_SOURCE, LABELS_SOURCE } from './style.js';

const LABELLED = ['grids', 'compounds', 'landmarks'];

/** Keeps the flag-poles and labels sources in step with the tiles. */
export function installDerived(map) {
  const last = { poles: '', labels: '' };
  const update = () => {
    const poles = derivePoles(map);
    if (poles.key !== last.poles && map.getSource(POLES_SOURCE)) {
      last.poles = poles.key;
      map.getSource(POLES_SOURCE).setData(poles.data);
    }
    const labels = deriveLabels(map);
    if (labels.key !== last.labels && map.getSource(LABELS_SOURCE)) {
      last.labels = labels.key;
      map.getSource(LABELS_SOURCE).setData(labels.data);
    }
  };
  map.on('sourcedata', (e) => {
    if (e.sourceId === SOURCE && e.isSourceLoaded) update();
  });
}

function derivePoles(map) {
  const seen = new Map();
  for (const f of map.querySourceFeatures(SOURCE, { sourceLayer: 'organizations' })) {
    const id = f.id ?? f.properties.id;
    if (id == null || seen.has(id) || f.geometry.type !== 'Point') continue;
    seen.set(id, f);
  }
  const ids = [...seen.keys()].sort((a, b) => a - b);
  const key = ids.map((id) => {
    const f = seen.get(id);
    const [x, y] = f.geometry.coordinates;
    return `${id}:${x.toFixed(7)},${y.toFixed(7)}:${f.properties.kind}`;
  }).join(';');
  return { key, data: collection(ids.map((id) => pole(id, seen.get(id)))) };
}

// pole is a square polygon a few metres wide around the organization.
function pole(id, f) {
  const [lon, lat] = f.geometry.coordinates;
  const level = Number(f.properties.level) || 4;
  const half = level <= 2 ? 1.8 : 1.2; // metres
  const dy = half / 111320;
  const dx = half / (111320 * Math.cos((lat * Math.PI) / 180));
  return {
    type: 'Feature',
    id,
    properties: { id, kind: f.properties.kind, level },
    geometry: {
      type: 'Polygon',
      coordinates: [[[lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy], [lon - dx, lat + dy], [lon - dx, lat - dy]]],
    },
  };
}

// deriveLabels puts one point per feature at the area-weighted centroid of
// its pieces, or in its largest piece when the centroid falls outside.
function deriveLabels(map) {
  const features = [];
  const keys = [];
  for (const layer of LABELLED) {
    const pieces = new Map();
    for (const f of map.querySourceFeatures(SOURCE, { sourceLayer: layer })) {
      const id = f.id ?? f.properties.id;
      if (id == null) continue;
      const rings = f.geometry.type === 'Polygon' ? [f.geometry.coordinates]
        : f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [];
      if (!pieces.has(id)) pieces.set(id, { props: f.properties, polys: [] });
      pieces.get(id).polys.push(...rings);
    }
    for (const [id, { props, polys }] of [...pieces].sort((a, b) => a[0] - b[0])) {
      const at = labelPoint(polys);
      if (!at) continue;
      keys.push(`${layer}${id}:${at[0].toFixed(6)},${at[1].toFixed(6)}:${props.name_zh}:${props.name_en}`);
      features.push({
        type: 'Feature',
        properties: { layer, id, name_zh: props.name_zh, name_en: props.name_en, code: props.code, kind: props.kind, color: props.color },
        geometry: { type: 'Point', coordinates: at },
      });
    }
  }
  return { key: keys.join(';'), data: collection(features) };
}

function labelPoint(polys) {
  let sx = 0;
  let sy = 0;
  let total = 0;
  let largest = null;
  let largestArea = 0;
  const seen = new Set();
  for (const poly of polys) {
    const ring = poly[0];
    if (!ring || ring.length < 4) continue;
    const sig = ring.map(([x, y]) => `${x.toFixed(6)},${y.toFixed(6)}`).sort().join(' ');
    if (seen.has(sig)) continue; // the same piece from two tiles' buffers
    seen.add(sig);
    const [a, cx, cy] = ringCentroid(ring);
    if (a <= 0) continue;
    sx += cx * a;
    sy += cy * a;
    total += a;
    if (a > largestArea) {
      largestArea = a;
      largest = poly;
    }
  }
  if (!total) return null;
  const c = [sx / total, sy / total];
  if (polys.some((p) => inside(c, p))) return c;
  const [, lx, ly] = ringCentroid(largest[0]);
  return inside([lx, ly], largest) ? [lx, ly] : largest[0][0];
}

// ringCentroid returns the ring's absolute area and centroid (planar; fine
// at the scale of a community).
function ringCentroid(ring) {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [x0, y0] = ring[j];
    const [x1, y1] = ring[i];
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (a === 0) return [0, ring[0][0], ring[0][1]];
  return [Math.abs(a / 2), cx / (3 * a), cy / (3 * a)];
}

function inside([x, y], poly) {
  let odd = false;
  for (const ring of poly) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

function collection(features) {
  return { type: 'FeatureCollection', features };
}
