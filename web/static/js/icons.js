// The viewer's icons. The map's come from the server's sprite
// (/sprite.json, /sprite.png, @2x), drawn by the server at start: the page
// draws none. The panel and the cards show the same icons, each served
// alone as /sprite/{name}.png. Line glyphs for buttons (the finder's
// services, the kiosk's camera) are small SVGs made by glyph().

/** The address of an icon of the sprite, for the panel, the cards and the title. */
export function iconURL(name) {
  return `sprite/${encodeURIComponent(name)}.png`;
}

// ---- line glyphs for buttons, drawn in currentColor on a 24×24 grid ----

const GLYPHS = {
  cup: '<path d="M5 8h11v6a5 5 0 0 1-5 5h-1a5 5 0 0 1-5-5z"/><path d="M16 10h2a2 2 0 0 1 0 4h-2"/><path d="M9 2.5c-.8 1 .8 2 0 3M12 2.5c-.8 1 .8 2 0 3"/>',
  bolt: '<path d="M13 2 5 13h6l-1 9 8-11h-6z"/>',
  cross: '<rect x="3" y="3" width="18" height="18" rx="4"/><path d="M12 7v10M7 12h10"/>',
  umbrella: '<path d="M3 12a9 9 0 0 1 18 0z"/><path d="M12 12v7a2 2 0 0 1-4 0"/><path d="M12 3v0"/>',
  map: '<path d="M3 6l6-2 6 2 6-2v14l-6 2-6-2-6 2z"/><path d="M9 4v14M15 6v14"/>',
  wifi: '<path d="M2 9a15 15 0 0 1 20 0"/><path d="M5.5 12.5a10 10 0 0 1 13 0"/><path d="M9 16a5 5 0 0 1 6 0"/><circle cx="12" cy="19.5" r="1.2" fill="currentColor"/>',
  seat: '<path d="M4 11h16v3H4z"/><path d="M6 14v5M18 14v5M6 11V6h12v5"/>',
  parking: '<rect x="3" y="3" width="18" height="18" rx="4"/><path d="M9.5 17V7h3.5a3 3 0 0 1 0 6H9.5"/>',
  dot: '<circle cx="12" cy="12" r="4"/>',
  'tilt-up': '<path d="M4 18h16M7 18l3-10h4l3 10"/><path d="M12 3v3M10 4.5 12 3l2 1.5"/>',
  'tilt-down': '<path d="M3 16h18M6 16l2-4h8l2 4"/><path d="M12 4v5M10 7.5 12 9l2-1.5"/>',
  home: '<path d="M3 11 12 4l9 7"/><path d="M6 10v10h12V10"/><path d="M10 20v-5h4v5"/>',
};

/** The glyph of each service a post offers (the catalogue's values); others get a dot. */
const SERVICE_GLYPHS = {
  water: 'cup', charging: 'bolt', first_aid: 'cross', umbrella: 'umbrella', map: 'map', wifi: 'wifi', rest: 'seat',
};

/** serviceGlyph names the glyph of a service, or of parking. */
export function serviceGlyph(service) {
  if (service === 'parking') return 'parking';
  return SERVICE_GLYPHS[service] || 'dot';
}

/**
 * glyph makes an <svg> of a line glyph (unknown names draw a dot), sized
 * by CSS through cls or by size in pixels.
 */
export function glyph(name, { cls = '', size = 0, stroke = 2 } = {}) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  const attrs = {
    viewBox: '0 0 24 24', 'aria-hidden': 'true', fill: 'none', stroke: 'currentColor',
    'stroke-width': String(stroke), 'stroke-linecap': 'round', 'stroke-linejoin': 'round',
  };
  if (size) Object.assign(attrs, { width: String(size), height: String(size) });
  if (cls) attrs.class = cls;
  for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, v);
  svg.innerHTML = GLYPHS[name] || GLYPHS.dot; // fixed markup from this table only
  return svg;
}
