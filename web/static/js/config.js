// The viewer's configuration from the server (/viewer-config.json): the
// map's title and bounds, the home view, the kiosk, and the catalogue's
// layers with the labels of their fields and values. Everything the pages
// show that depends on the data comes from here.

/**
 * Fetches /viewer-config.json relative to the page's base, for the
 * community the page's ?c=CODE names (the kiosk's own without one).
 */
export async function loadConfig() {
  const url = new URL('viewer-config.json', document.baseURI);
  const c = new URLSearchParams(location.search).get('c');
  if (c) url.searchParams.set('c', c);
  const res = await fetch(url);
  if (!res.ok) {
    let detail = '';
    try {
      detail = (await res.json()).detail || '';
    } catch {
      // not a problem document: the status says it
    }
    throw new Error(`viewer-config.json: ${res.status} ${detail}`.trim());
  }
  return res.json();
}

/**
 * boundsAround returns [[w, s], [e, n]] around bounds ([w, s, e, n]) with a
 * margin of `margin` times its size on each side (at least minDeg degrees),
 * or undefined when bounds is null: how far the camera may wander.
 */
export function boundsAround(bounds, margin = 1, minDeg = 0.01) {
  if (!Array.isArray(bounds) || bounds.length !== 4) return undefined;
  const [w, s, e, n] = bounds;
  const dx = Math.max((e - w) * margin, minDeg);
  const dy = Math.max((n - s) * margin, minDeg);
  return [[w - dx, s - dy], [e + dx, n + dy]];
}
