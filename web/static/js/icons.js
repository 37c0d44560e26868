// The viewer's icons, all here: no sprite sheet, no remote asset.
//
// Map icons are drawn on a canvas at run time: the style names them;
// MapLibre asks for each one the first time a tile needs it (the
// missing-image resolver) and we draw it then. Line glyphs for buttons (the
// finder's services, the kiosk's camera) are small SVGs made by glyph().

const RATIO = 2; // drawn at twice the CSS size, crisp on phones too

const FLAG_SIZES = {
  'flag-0': [52, 35, true], // city party committee: the largest, gold fringe
  'flag-1': [46, 31, true], // street party committee, gold fringe
  'flag-2': [40, 27, true], // community general branch
  'flag-3': [30, 20, false], // grid branches
  'flag-unit': [25, 17, false], // co-building units, business circle, non-public
  'flag-4': [20, 14, false], // building groups
};

const POSTS = {
  cabin: ['#00897b', drawHouse],
  service_hall: ['#1565c0', drawHall],
  rep_studio: ['#6a1b9a', drawPerson],
  activity_room: ['#ef6c00', drawPeople],
  cultural_space: ['#ad1457', drawNote],
  library: ['#2e7d32', drawBook],
};

/** Installs the icon painter on the map: it draws each icon when a tile first needs it. */
export function installIcons(map) {
  map.setMissingStyleImageResolver((id) => {
    const img = drawIcon(id);
    if (img && !map.hasImage(id)) map.addImage(id, img, { pixelRatio: RATIO });
  });
}

/** Draws the icon with that name, or returns null for an unknown name. */
export function drawIcon(name) {
  if (FLAG_SIZES[name]) return drawFlag(...FLAG_SIZES[name]);
  if (name === 'parking') return drawParking('#1f5fc8');
  if (name === 'parking-full') return drawParking('#8a8a8a');
  if (name.startsWith('post-')) {
    const [color, glyph] = POSTS[name.slice(5)] || ['#455a64', drawDot];
    return drawBadge(color, glyph);
  }
  return null;
}

/** An icon as a PNG data URL, for the panel, the cards and the title. */
export function iconURL(name) {
  const img = drawIcon(name);
  if (!img) return '';
  const c = document.createElement('canvas');
  c.width = img.width;
  c.height = img.height;
  c.getContext('2d').putImageData(img, 0, 0);
  return c.toDataURL();
}

function canvas(w, h) {
  const c = document.createElement('canvas');
  c.width = Math.ceil(w * RATIO);
  c.height = Math.ceil(h * RATIO);
  const ctx = c.getContext('2d');
  ctx.scale(RATIO, RATIO);
  return ctx;
}

function pixels(ctx) {
  return ctx.getImageData(0, 0, ctx.canvas.width, ctx.canvas.height);
}

// A red flag flying from the top of its pole: the icon's top-left corner is
// the pole's top, where the style anchors it.
function drawFlag(w, h, fringe) {
  const pad = 2;
  const ctx = canvas(w + pad * 2, h + pad * 2 + 4);
  const x0 = pad;
  const y0 = pad + 1;
  // the pole's last metres and its golden finial
  ctx.strokeStyle = '#4e3b2c';
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  ctx.moveTo(x0 + 0.8, y0);
  ctx.lineTo(x0 + 0.8, y0 + h + 3);
  ctx.stroke();
  // the cloth, gently waving
  const cx = x0 + 1.6;
  const wave = h * 0.09;
  ctx.beginPath();
  ctx.moveTo(cx, y0);
  ctx.bezierCurveTo(cx + w * 0.33, y0 - wave, cx + w * 0.6, y0 + wave, w + pad - 0.5, y0);
  ctx.lineTo(w + pad - 0.5, y0 + h - 1);
  ctx.bezierCurveTo(cx + w * 0.6, y0 + h - 1 + wave, cx + w * 0.33, y0 + h - 1 - wave, cx, y0 + h - 1);
  ctx.closePath();
  const grad = ctx.createLinearGradient(cx, 0, w + pad, 0);
  grad.addColorStop(0, '#e3101c');
  grad.addColorStop(0.45, '#f01f27');
  grad.addColorStop(0.7, '#c8000f');
  grad.addColorStop(1, '#e41620');
  ctx.fillStyle = grad;
  ctx.fill();
  ctx.lineWidth = fringe ? 1.4 : 0.8;
  ctx.strokeStyle = fringe ? '#f7c948' : 'rgba(120,0,0,0.6)';
  ctx.stroke();
  drawEmblem(ctx, cx + h * 0.14, y0 + h * 0.1, h * 0.42);
  ctx.fillStyle = '#f7c948';
  ctx.beginPath();
  ctx.arc(x0 + 0.8, y0 - 0.4, 1.8, 0, Math.PI * 2);
  ctx.fill();
  return pixels(ctx);
}

// The gold hammer and sickle in the flag's canton, in a box of size s.
function drawEmblem(ctx, x, y, s) {
  ctx.save();
  ctx.translate(x + s / 2, y + s / 2);
  ctx.strokeStyle = '#ffd700';
  ctx.fillStyle = '#ffd700';
  ctx.lineCap = 'round';
  // sickle: a thick arc with a short handle
  ctx.lineWidth = s * 0.14;
  ctx.beginPath();
  ctx.arc(s * 0.02, -s * 0.04, s * 0.34, Math.PI * 0.95, Math.PI * 2.45);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(-s * 0.2, s * 0.26);
  ctx.lineTo(-s * 0.38, s * 0.44);
  ctx.stroke();
  // hammer: a handle across the sickle and a head
  ctx.lineWidth = s * 0.12;
  ctx.beginPath();
  ctx.moveTo(-s * 0.3, -s * 0.3);
  ctx.lineTo(s * 0.32, s * 0.34);
  ctx.stroke();
  ctx.rotate(Math.PI / 4);
  ctx.fillRect(-s * 0.38, -s * 0.2, s * 0.3, s * 0.16);
  ctx.restore();
}

function drawParking(color) {
  const s = 28;
  const ctx = canvas(s + 4, s + 4);
  shadow(ctx);
  roundRect(ctx, 2, 2, s, s, 6);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.shadowColor = 'transparent';
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  ctx.fillStyle = '#ffffff';
  ctx.font = 'bold 20px "Noto Sans CJK SC", "DejaVu Sans", Arial, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText('P', 2 + s / 2, 3 + s / 2);
  return pixels(ctx);
}

// A round badge in the post's colour with a white pictogram.
function drawBadge(color, glyph) {
  const s = 30;
  const ctx = canvas(s + 4, s + 4);
  shadow(ctx);
  ctx.beginPath();
  ctx.arc(2 + s / 2, 2 + s / 2, s / 2 - 1, 0, Math.PI * 2);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.shadowColor = 'transparent';
  ctx.lineWidth = 2.2;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  ctx.save();
  ctx.translate(2 + s / 2, 2 + s / 2);
  ctx.fillStyle = '#ffffff';
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 1.8;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  glyph(ctx);
  ctx.restore();
  return pixels(ctx);
}

function shadow(ctx) {
  ctx.shadowColor = 'rgba(0,0,0,0.35)';
  ctx.shadowBlur = 2;
  ctx.shadowOffsetY = 1;
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

// Pictograms, centred on 0,0 in a 30-pixel badge.
function drawHouse(ctx) {
  ctx.beginPath();
  ctx.moveTo(-8, -1);
  ctx.lineTo(0, -8);
  ctx.lineTo(8, -1);
  ctx.closePath();
  ctx.fill();
  ctx.fillRect(-6, -1, 12, 8);
  ctx.fillStyle = 'rgba(0,0,0,0.35)';
  ctx.fillRect(-1.5, 2, 3, 5);
}

function drawHall(ctx) {
  ctx.beginPath();
  ctx.moveTo(-9, -4);
  ctx.lineTo(0, -9);
  ctx.lineTo(9, -4);
  ctx.closePath();
  ctx.fill();
  for (const x of [-7, -2.5, 2, 6.5]) ctx.fillRect(x, -3, 2, 8);
  ctx.fillRect(-9, 6, 18, 2.2);
}

function drawPerson(ctx) {
  ctx.beginPath();
  ctx.arc(-2, -4, 3.4, 0, Math.PI * 2);
  ctx.fill();
  ctx.beginPath();
  ctx.moveTo(-8, 8);
  ctx.quadraticCurveTo(-8, 0, -2, 0);
  ctx.quadraticCurveTo(4, 0, 4, 8);
  ctx.closePath();
  ctx.fill();
  // speech bubble
  ctx.beginPath();
  ctx.ellipse(6, -6, 4, 3, 0, 0, Math.PI * 2);
  ctx.fill();
}

function drawPeople(ctx) {
  for (const [x, r] of [[-4.5, 2.8], [4.5, 2.8], [0, 3.2]]) {
    ctx.beginPath();
    ctx.arc(x, x === 0 ? -4 : -2, r, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.beginPath();
  ctx.moveTo(-9, 8);
  ctx.quadraticCurveTo(-9, 1, -4.5, 1);
  ctx.quadraticCurveTo(0, 1, 0, 8);
  ctx.moveTo(0, 8);
  ctx.quadraticCurveTo(0, 1, 4.5, 1);
  ctx.quadraticCurveTo(9, 1, 9, 8);
  ctx.fill();
}

function drawNote(ctx) {
  ctx.beginPath();
  ctx.ellipse(-4, 5, 3.2, 2.4, -0.4, 0, Math.PI * 2);
  ctx.ellipse(5, 3, 3.2, 2.4, -0.4, 0, Math.PI * 2);
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(-1.2, 5);
  ctx.lineTo(-1.2, -7);
  ctx.lineTo(7.8, -9);
  ctx.lineTo(7.8, 3);
  ctx.stroke();
}

function drawBook(ctx) {
  ctx.beginPath();
  ctx.moveTo(0, -5);
  ctx.quadraticCurveTo(-5, -8, -9, -6);
  ctx.lineTo(-9, 6);
  ctx.quadraticCurveTo(-5, 4, 0, 7);
  ctx.quadraticCurveTo(5, 4, 9, 6);
  ctx.lineTo(9, -6);
  ctx.quadraticCurveTo(5, -8, 0, -5);
  ctx.closePath();
  ctx.fill();
  ctx.strokeStyle = 'rgba(0,0,0,0.35)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, -5);
  ctx.lineTo(0, 7);
  ctx.stroke();
}

function drawDot(ctx) {
  ctx.beginPath();
  ctx.arc(0, 0, 4, 0, Math.PI * 2);
  ctx.fill();
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
