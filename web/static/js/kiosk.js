// Kiosk mode: big on-screen buttons (no keyboard, no pinch needed), the
// "you are here" marker, and the idle reset that closes cards and flies home
// for the next visitor, with an optional slow attract rotation.

import { Marker } from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { el, button } from './dom.js';
import { glyph } from './icons.js';

/**
 * Installs the camera buttons into root. ctx: { map, i18n, home() }.
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
  const buttons = [];
  for (const [name, key, text, act] of spec) {
    const b = button(`cam cam-${name}`, act);
    b.dataset.action = name;
    if (text) {
      const span = el('span', '', text);
      span.setAttribute('aria-hidden', 'true');
      b.append(span);
    } else {
      b.append(glyph(name, { size: 28, stroke: 2.2 }));
    }
    buttons.push([b, key]);
    root.append(b);
  }
  const labels = () => {
    for (const [b, key] of buttons) {
      b.title = i18n.t(key);
      b.setAttribute('aria-label', i18n.t(key));
    }
  };
  labels();
  i18n.onChange(labels);
}

/** Puts the "you are here" marker at the kiosk's position. */
export function addHereMarker(map, i18n, lonlat) {
  const label = el('span', 'here-label');
  const elm = el('div', 'here', el('span', 'here-dot'), label);
  const text = () => { label.textContent = i18n.t('youAreHere'); };
  text();
  i18n.onChange(text);
  return new Marker({ element: elm, anchor: 'bottom' }).setLngLat(lonlat).addTo(map);
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
