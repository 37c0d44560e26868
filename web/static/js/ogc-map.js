// The small map of the OGC API's HTML pages (a collection, a page of
// items, one feature): the map's own style, and over it the page's
// features, read as GeoJSON from the address in data-src, outlined and
// fitted into view. Nothing else of the viewer.

import { Map as MapLibreMap } from '../vendor/maplibre-gl/maplibre-gl.mjs';

const box = document.getElementById('ogc-map');

async function show() {
  const res = await fetch(box.dataset.src, { headers: { Accept: 'application/geo+json' } });
  if (!res.ok) return;
  const data = await res.json();
  const features = data.type === 'Feature' ? [data] : (data.features || []);
  const map = new MapLibreMap({ container: box, style: '/style.json', pitch: 0, bearing: 0, attributionControl: false });
  map.on('load', () => {
    map.addSource('page', { type: 'geojson', data: { type: 'FeatureCollection', features } });
    map.addLayer({ id: 'page-fill', type: 'fill', source: 'page', filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': '#1565c0', 'fill-opacity': 0.25 } });
    map.addLayer({ id: 'page-line', type: 'line', source: 'page', filter: ['!=', ['geometry-type'], 'Point'],
      paint: { 'line-color': '#0d47a1', 'line-width': 2 } });
    map.addLayer({ id: 'page-point', type: 'circle', source: 'page', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 6, 'circle-color': '#1565c0', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
    const b = bounds(features);
    map.jumpTo({ pitch: 0, bearing: 0 });
    if (b) map.fitBounds(b, { padding: 30, maxZoom: 18, duration: 0 });
    box.dataset.ready = String(features.length);
  });
}

function bounds(features) {
  let b = null;
  const add = (c) => {
    if (typeof c[0] === 'number') {
      b = b ? [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]), Math.max(b[3], c[1])] : [c[0], c[1], c[0], c[1]];
    } else c.forEach(add);
  };
  for (const f of features) if (f.geometry) add(f.geometry.coordinates);
  return b && [[b[0], b[1]], [b[2], b[3]]];
}

if (box) show();
