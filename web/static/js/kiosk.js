// Kiosk mode: big on-screen buttons (no keyboard, no pinch needed), the
// "you are here" marker, and the idle reset that closes cards and flies home
// for the next visitor, with an optional slow attract rotation.

import { Marker } from '../vendor/maplibre-gl/maplibre-gl.mjs';

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
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `cam cam-${name}`;
    b.dataset.action = name;
    b.innerHTML = text ? `<span aria-hidden="true">${text}</span>` : glyph(name);
    b.addEventListener('click', act);
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

// glyph draws the buttons that a character does not say well.
function glyph(name) {
  const svg = (body) => `<svg viewBox="0 0 24 24" aria-hidden="true" width="28" height="28" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;
  switch (name) {
    case 'tilt-up': return svg('<path d="M4 18h16M7 18l3-10h4l3 10"/><path d="M12 3v3M10 4.5 12 3l2 1.5"/>');
    case 'tilt-down': return svg('<path d="M3 16h18M6 16l2-4h8l2 4"/><path d="M12 4v5M10 7.5 12 9l2-1.5"/>');
    case 'home': return svg('<path d="M3 11 12 4l9 7"/><path d="M6 10v10h12V10"/><path d="M10 20v-5h4v5"/>');
    default: return '';
  }
}

/** Puts the "you are here" marker at the kiosk's position. */
export function addHereMarker(map, i18n, lonlat) {
  const elm = document.createElement('div');
  elm.className = 'here';
  elm.innerHTML = '<span class="here-dot"></span><span class="here-label"></span>';
  const label = elm.querySelector('.here-label');
  const text = () => { label.textContent = i18n.t('youAreHere'); };
  text();
  i18n.onChange(text);
  return new Marker({ element: elm, anchor: 'bottom' }).setLngLat(lonlat).addTo(map);
}

/**
 * Watches for touches; after idleSeconds without one, calls reset() and,
 * when attract is on, turns the map slowly until the next touch.
 */
export function watchIdle({ map, idleSeconds, reset, attract }) {
  let timer = 0;
  let rotating = false;
  const spin = () => {
    if (!rotating) return;
    map.easeTo({ bearing: map.getBearing() + 20, duration: 8000, easing: (t) => t });
    map.once('moveend', () => { if (rotating) spin(); });
  };
  const fire = () => {
    reset();
    if (attract) {
      map.once('moveend', () => { rotating = true; spin(); });
    }
  };
  const poke = () => {
    if (rotating) {
      rotating = false;
      map.stop();
    }
    clearTimeout(timer);
    timer = setTimeout(fire, idleSeconds * 1000);
  };
  for (const type of ['pointerdown', 'touchstart', 'wheel', 'keydown']) {
    document.addEventListener(type, poke, { capture: true, passive: true });
  }
  poke();
  return { poke };
}
