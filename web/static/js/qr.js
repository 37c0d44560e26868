// QR codes drawn locally with qrcode-generator (from npm, served by us):
// the kiosk's cards carry one that opens the same feature on a phone.

import qrcode from '../vendor/qrcode-generator/qrcode.mjs';

/** Returns an SVG element's markup encoding text, scalable to its box. */
export function qrSVG(text) {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const m = 2; // quiet zone, in modules
  let d = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) d += `M${c + m} ${r + m}h1v1h-1z`;
    }
  }
  const size = n + 2 * m;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges" role="img" aria-label="QR">`
    + `<rect width="${size}" height="${size}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}
