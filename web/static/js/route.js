// The way there: /api/route's walk along the streets, footpaths and gates,
// drawn on the map as a line with arrows in the walking direction, a start
// and an end marker, framed in the part of the map the card leaves free.
// The kiosk walks from where it stands (the server's kiosk position); a
// phone from the point a shared link names, else from the browser's
// position, and its live position follows along while the route shows.
//
// createRouter(ctx) → { walk(layer, id, from?), clear(), link(layer, id) }
// ctx: { map, i18n, isKiosk, kioskPosition, padding() }

import { Marker } from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { el } from './dom.js';

/** The route's GeoJSON source and its layers, added at run time. */
export const ROUTE_SOURCE = 'walk-route';
const ARROW = 'walk-arrow';

export function createRouter(ctx) {
  const { map, i18n, isKiosk } = ctx;
  let markers = [];
  let you = null;
  let watch = null;
  let seq = 0;

  /**
   * walk asks for the walk to a feature (from `from`, [lon, lat], when
   * given) and draws it; resolves to /api/route's answer (reachable or
   * not), or throws with the server's sentence.
   */
  async function walk(layer, id, from) {
    const mine = ++seq;
    const start = from || (isKiosk ? null : await here());
    const q = new URLSearchParams({ to: `${layer}/${id}` });
    if (start) q.set('from', `${start[0]},${start[1]}`);
    const res = await fetch(new URL(`api/route?${q}`, document.baseURI), { headers: { Accept: 'application/geo+json' } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(body.detail || res.statusText), { detail: body.detail });
    if (mine !== seq) return body;
    draw(body);
    if (!isKiosk && body.properties.reachable) follow();
    return body;
  }

  // here is the phone's position, when the browser tells it within a few
  // seconds; null otherwise (the server then walks from its kiosk).
  function here() {
    if (!navigator.geolocation) return Promise.resolve(null);
    return new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (p) => resolve([p.coords.longitude, p.coords.latitude]),
        () => resolve(null),
        { enableHighAccuracy: true, timeout: 4000, maximumAge: 30000 },
      );
    });
  }

  function draw(answer) {
    clearMap();
    ensureLayers();
    const line = answer.geometry;
    map.getSource(ROUTE_SOURCE).setData(line
      ? { type: 'Feature', properties: {}, geometry: line }
      : { type: 'FeatureCollection', features: [] });
    if (!line) return;
    const coords = line.coordinates;
    const startEl = el('div', 'walk-end walk-start', el('span', '', i18n.t('routeStart')));
    const endEl = el('div', 'walk-end walk-finish', el('span', '', i18n.t('routeEnd')));
    markers = [
      new Marker({ element: startEl }).setLngLat(coords[0]).addTo(map),
      // above the place's own icon and its selection's ring, which it must not cover
      new Marker({ element: endEl, anchor: 'bottom', offset: [0, -26] }).setLngLat(coords[coords.length - 1]).addTo(map),
    ];
    // framed once the card has shown the walk's steps (and grown)
    delete map.getContainer().dataset.routeFramed;
    setTimeout(() => fit(coords), 60);
  }

  // fit frames the walk in the part of the map the card leaves free. On a
  // tilted map fitBounds is approximate (the far side shrinks), so the
  // camera is found by trying it: jumped to, the walk projected, moved and
  // zoomed until it fills the free part; then the map flies there.
  function fit(coords) {
    const pad = ctx.padding();
    const c = map.getContainer();
    const free = { left: pad.left, top: pad.top, right: c.clientWidth - pad.right, bottom: c.clientHeight - pad.bottom };
    const was = { center: map.getCenter(), zoom: map.getZoom(), bearing: map.getBearing(), pitch: map.getPitch(), padding: map.getPadding() };
    const none = { top: 0, bottom: 0, left: 0, right: 0 };
    const xs = coords.map((p) => p[0]);
    const ys = coords.map((p) => p[1]);
    map.jumpTo({ center: [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2], padding: none });
    for (let i = 0; i < 16; i++) {
      const qs = coords.map((p) => map.project(p));
      const qx = qs.map((q) => q.x);
      const qy = qs.map((q) => q.y);
      const [x0, x1, y0, y1] = [Math.min(...qx), Math.max(...qx), Math.min(...qy), Math.max(...qy)];
      const dx = (x0 + x1) / 2 - (free.left + free.right) / 2;
      const dy = (y0 + y1) / 2 - (free.top + free.bottom) / 2;
      const scale = Math.min((free.right - free.left) / Math.max(x1 - x0, 1), (free.bottom - free.top) / Math.max(y1 - y0, 1));
      const zoom = Math.min(18, map.getZoom() + Math.log2(scale) * 0.8);
      map.jumpTo({ center: map.unproject([c.clientWidth / 2 + dx, c.clientHeight / 2 + dy]), zoom });
      if (Math.abs(dx) < 2 && Math.abs(dy) < 2 && (scale >= 1 && (scale < 1.15 || zoom >= 18))) break;
    }
    const target = { center: map.getCenter(), zoom: map.getZoom() };
    map.jumpTo(was);
    map.flyTo({ ...target, bearing: was.bearing, pitch: was.pitch, padding: none, duration: 900, essential: true });
    map.once('moveend', () => {
      const fits = coords.every((p) => {
        const q = map.project(p);
        return q.x >= free.left - 2 && q.x <= free.right + 2 && q.y >= free.top - 2 && q.y <= free.bottom + 2;
      });
      c.dataset.routeFramed = fits ? 'fits' : 'partly';
    });
  }

  function ensureLayers() {
    if (map.getSource(ROUTE_SOURCE)) return;
    if (!map.hasImage(ARROW)) map.addImage(ARROW, arrowImage(), { pixelRatio: 2 });
    map.addSource(ROUTE_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({
      id: 'walk-route-casing', type: 'line', source: ROUTE_SOURCE,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-width': 11, 'line-opacity': 0.95 },
    });
    map.addLayer({
      id: 'walk-route-line', type: 'line', source: ROUTE_SOURCE,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#0d47a1', 'line-width': 6 },
    });
    map.addLayer({
      id: 'walk-route-arrows', type: 'symbol', source: ROUTE_SOURCE,
      layout: {
        'symbol-placement': 'line', 'symbol-spacing': 70, 'icon-image': ARROW,
        'icon-rotation-alignment': 'map', 'icon-allow-overlap': true, 'icon-ignore-placement': true,
      },
    });
  }

  // follow shows the phone's live position while the route shows.
  function follow() {
    if (watch !== null || !navigator.geolocation) return;
    watch = navigator.geolocation.watchPosition((p) => {
      const at = [p.coords.longitude, p.coords.latitude];
      if (!you) {
        const dot = el('div', 'walk-you');
        dot.setAttribute('role', 'img');
        dot.setAttribute('aria-label', i18n.t('yourPosition'));
        you = new Marker({ element: dot }).setLngLat(at).addTo(map);
      } else {
        you.setLngLat(at);
      }
    }, () => {}, { enableHighAccuracy: true, maximumAge: 5000 });
  }

  function clearMap() {
    markers.forEach((m) => m.remove());
    markers = [];
    map.getSource(ROUTE_SOURCE)?.setData({ type: 'FeatureCollection', features: [] });
  }

  function clear() {
    seq++;
    clearMap();
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
    you?.remove();
    you = null;
  }

  /** link is the address that opens the same walk on a phone, in the page's language. */
  function link(layer, id) {
    const from = ctx.kioskPosition ? `@${ctx.kioskPosition[0]},${ctx.kioskPosition[1]}` : '';
    return new URL(`map/?lang=${i18n.lang()}#route/${layer}/${id}${from}`, document.baseURI).href;
  }

  return { walk, clear, link };
}

// arrowImage draws the direction arrow the line carries: a white chevron
// on the route's blue, pointing along the line (east, as symbol-placement
// line expects).
function arrowImage() {
  const size = 28;
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  const g = c.getContext('2d');
  g.strokeStyle = '#ffffff';
  g.lineWidth = 4;
  g.lineCap = 'round';
  g.lineJoin = 'round';
  g.beginPath();
  g.moveTo(9, 7);
  g.lineTo(18, 14);
  g.lineTo(9, 21);
  g.stroke();
  return g.getImageData(0, 0, size, size);
}
