// Kiosk mode: big on-screen buttons (no keyboard, no pinch needed), the
// "you are here" marker, and the idle reset that closes cards and flies home
// for the next visitor, with an optional slow attract rotation.

import { Marker } from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { el, button } from './dom.js';
import { glyph } from './icons.js';
import { HERE_ROOM_LAYER } from './style.js';

/**
 * Installs the camera buttons into root, each a sign (+ − ⟲ ⟳ or a glyph)
 * with its word under it (放大 / Zoom in …) in the page's language: read
 * standing a metre away, and the button's name is that word.
 * ctx: { map, i18n, goHome() }.
 */
export function createCameraButtons(root, ctx) {
  const { map, i18n } = ctx;
  const spec = [
    ['zoom-in', 'zoomIn', '+', () => map.zoomIn({ duration: 400 })],
    ['zoom-out', 'zoomOut', '−', () => map.zoomOut({ duration: 400 })],
    ['rotate-left', 'rotateLeft', '⟲', () => map.easeTo({ bearing: map.getBearing() - 30, duration: 500 })],
    ['rotate-right', 'rotateRight', '⟳', () => map.easeTo({ bearing: map.getBearing() + 30, duration: 500 })],
    ['tilt-up', 'tiltUp', '', () => map.easeTo({ pitch: Math.min(map.getPitch() + 12, 70), duration: 400 })],
    ['tilt-down', 'tiltDown', '', () => map.easeTo({ pitch: Math.max(map.getPitch() - 12, 0), duration: 400 })],
    ['home', 'home', '', () => ctx.goHome()],
  ];
  const words = [];
  for (const [name, key, text, act] of spec) {
    const sign = text ? el('span', 'cam-sign', text) : glyph(name, { cls: 'cam-sign', stroke: 2.2 });
    sign.setAttribute('aria-hidden', 'true');
    const word = el('span', 'cam-word');
    const b = button(`cam cam-${name}`, act, sign, word);
    b.dataset.action = name;
    words.push([word, key]);
    root.append(b);
  }
  const labels = () => {
    for (const [word, key] of words) word.textContent = i18n.t(key);
  };
  labels();
  i18n.onChange(labels);
}

/**
 * createNorthArrow makes the north arrow, for the kiosk and phones: a
 * button whose needle turns with the map's bearing, 北 / N at its tip kept
 * upright; a tap turns the map back to face north (tilt and zoom kept).
 */
export function createNorthArrow(map, i18n) {
  const needle = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  needle.setAttribute('viewBox', '0 0 24 24');
  needle.setAttribute('class', 'north-needle');
  needle.setAttribute('aria-hidden', 'true');
  // fixed markup: the north half red, the south half grey
  needle.innerHTML = '<path d="M12 2 16.5 12h-9z" fill="#c62828"/><path d="M12 22 16.5 12h-9z" fill="#9e958a"/><circle cx="12" cy="12" r="1.6" fill="#fff"/>';
  const letter = el('span', 'north-letter');
  letter.setAttribute('aria-hidden', 'true');
  const dial = el('span', 'north-dial', needle, letter);
  const b = button('north', () => map.easeTo({ bearing: 0, duration: 600 }), dial);
  b.dataset.action = 'north';
  // the dial turns against the bearing (north stays north); the letter
  // turns back within it, upright wherever it stands
  const turn = () => {
    const bearing = map.getBearing();
    dial.style.transform = `rotate(${-bearing}deg)`;
    letter.style.transform = `translateX(-50%) rotate(${bearing}deg)`;
  };
  const labels = () => {
    letter.textContent = i18n.t('northLetter');
    b.setAttribute('aria-label', i18n.t('northLabel'));
  };
  map.on('rotate', turn);
  turn();
  labels();
  i18n.onChange(labels);
  return b;
}

/**
 * Puts the "you are here" marker at the kiosk's position, and keeps the
 * map's labels out from under it: the marker is HTML, drawn over the map
 * and outside its placement, and hid the labels it stood on (关帝庙, a
 * post's name). An invisible icon of the marker's size at its place
 * (HERE_ROOM_LAYER, kept above every label, so placed first) takes its
 * room; a language's label of another width takes another.
 */
export function addHereMarker(map, i18n, lonlat) {
  const label = el('span', 'here-label');
  const elm = el('div', 'here', el('span', 'here-dot'), label);
  const marker = new Marker({ element: elm, anchor: 'bottom' }).setLngLat(lonlat).addTo(map);
  map.addSource(HERE_ROOM_LAYER, { type: 'geojson', data: { type: 'Feature', geometry: { type: 'Point', coordinates: lonlat }, properties: {} } });
  map.addLayer({
    id: HERE_ROOM_LAYER, type: 'symbol', source: HERE_ROOM_LAYER,
    layout: { 'icon-anchor': 'bottom', 'icon-allow-overlap': true },
    paint: { 'icon-opacity': 0 },
  });
  const text = () => {
    label.textContent = i18n.t('youAreHere');
    const w = Math.ceil(elm.offsetWidth);
    const h = Math.ceil(elm.offsetHeight);
    const room = `${HERE_ROOM_LAYER}-${w}x${h}`;
    if (!map.hasImage(room)) map.addImage(room, { width: w, height: h, data: new Uint8Array(w * h * 4) });
    map.setLayoutProperty(HERE_ROOM_LAYER, 'icon-image', room);
  };
  text();
  i18n.onChange(text);
  return marker;
}

// ATTRACT_SECONDS is how long each of the idle kiosk's showcases stays up
// (unless showcaseSeconds says otherwise: ?showcase= on the page).
const ATTRACT_SECONDS = 20;

/**
 * Watches for touches; after idleSeconds without one, calls reset() and,
 * when attract is on, turns the map slowly until the next touch and shows
 * the showcases in turn (showcases() lists { show(), hide() }: today's
 * activities, the echo wall), each for showcaseSeconds.
 */
export function watchIdle({ map, idleSeconds, reset, attract, showcases = () => [], showcaseSeconds = ATTRACT_SECONDS }) {
  let timer = 0;
  let rotating = false;
  let turn = 0;
  let cycling = 0;
  const showcase = () => {
    const list = showcases();
    if (!list.length) return;
    if (list.length > 1) list[(turn + list.length - 1) % list.length].hide();
    list[turn % list.length].show();
    turn++;
  };
  const spin = () => {
    if (!rotating) return;
    map.easeTo({ bearing: map.getBearing() + 20, duration: 8000, easing: (t) => t });
    map.once('moveend', () => { if (rotating) spin(); });
  };
  const fire = () => {
    reset();
    if (attract) {
      map.once('moveend', () => { rotating = true; spin(); });
      turn = 0;
      showcase();
      cycling = setInterval(showcase, showcaseSeconds * 1000);
    }
  };
  const poke = () => {
    if (rotating) {
      rotating = false;
      map.stop();
    }
    clearInterval(cycling);
    clearTimeout(timer);
    timer = setTimeout(fire, idleSeconds * 1000);
  };
  for (const type of ['pointerdown', 'touchstart', 'wheel', 'keydown']) {
    document.addEventListener(type, poke, { capture: true, passive: true });
  }
  poke();
  return { poke };
}
