// The phone map's service worker: a map that keeps working without
// signal (near the temple, on the mountain road). It keeps a copy of what
// the visitor has seen: the page, its scripts and styles, the map style,
// the icons, every tile, the answers to their questions (a walk, the
// nearest posts). Online, each request goes to the server first and its
// answer refreshes the copy (a changed tile is fetched again: tiles carry
// their version); offline, the copy answers, and the page is told so that
// it shows its "offline" badge. The tiles and answers are bounded to
// SAVED_BYTES, the oldest dropped first. The kiosk does not register it:
// it stands beside its server.
//
// Served as /sw.js (scope: the whole site); registered by offline.js.

const SHELL = 'partymap-shell-v1';
const SAVED = 'partymap-saved-v1';
/** The most bytes of tiles and answers kept: the oldest go first. */
const SAVED_BYTES = 30 * 1024 * 1024;
const SIZE_HEADER = 'x-partymap-bytes';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = [SHELL, SAVED];
    for (const name of await caches.keys()) if (!keep.includes(name)) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  const path = url.pathname.slice(self.registration.scope.length - self.location.origin.length - 1);
  // the live event stream and staff pages are never kept (nor any answer
  // marked private: keep)
  if (path.startsWith('/api/events') || path.startsWith('/edit') || path.startsWith('/api/login')) return;
  const saved = path.startsWith('/tiles/') || path.startsWith('/api/') || path.startsWith('/collections/');
  // only an answer the browser's own cache cannot give proves the server
  // answers: a page, a question, a request that bypasses that cache
  const proves = req.mode === 'navigate' || req.cache === 'no-store' || path.startsWith('/api/');
  event.respondWith(networkFirst(event, req, saved ? SAVED : SHELL, path.startsWith('/tiles/'), proves));
});

// The page hands over what it loaded before the worker took charge (its
// first visit): kept, so that the first visit already works offline.
self.addEventListener('message', (event) => {
  // a page that has just started asks whether the server answers
  if (event.data?.partymapAsk && told) event.source?.postMessage({ partymap: told });
  const urls = event.data?.partymapKeep;
  if (!Array.isArray(urls)) return;
  event.waitUntil(Promise.all(urls.map(async (u) => {
    const url = new URL(u, self.location.origin);
    if (url.origin !== self.location.origin || url.pathname.includes('/api/events')) return;
    const saved = /\/(tiles|api|collections)\//.test(url.pathname);
    const cache = await caches.open(saved ? SAVED : SHELL);
    if (await cache.match(url.href, { ignoreVary: true })) return;
    try {
      const res = await fetch(url.href);
      if (res.ok) await keep(cache, saved ? SAVED : SHELL, new Request(url.href), res);
    } catch { /* gone offline meanwhile: kept next time */ }
  })));
});

// networkFirst answers from the server and keeps a copy; when the server
// cannot be reached, from the copy (a tile: at any version).
async function networkFirst(event, req, cacheName, tile, proves) {
  const cache = await caches.open(cacheName);
  try {
    const res = await fetch(req);
    if (res.ok && res.type === 'basic' && req.cache !== 'no-store') event.waitUntil(keep(cache, cacheName, req, res.clone()));
    if (proves) tell(event, 'online');
    return res;
  } catch (err) {
    // the answers vary by Accept and Accept-Encoding, which a worker's or
    // a reload's request may send differently: any copy of the address
    const hit = (await cache.match(req, { ignoreVary: true }))
      || (tile || req.mode === 'navigate' ? await cache.match(req, { ignoreSearch: true, ignoreVary: true }) : null);
    tell(event, 'offline');
    if (hit) return hit;
    throw err;
  }
}

// keep stores an answer with its size, newest last, and drops the oldest
// saved answers beyond SAVED_BYTES.
async function keep(cache, cacheName, req, res) {
  // staff data and sessions answer "private, no-store": never kept, even
  // when staff open the map and their desk in one browser (residents'
  // phones are in the desk's answers)
  if (/\bprivate\b/i.test(res.headers.get('Cache-Control') || '')) return;
  const body = await res.arrayBuffer();
  const headers = new Headers(res.headers);
  headers.set(SIZE_HEADER, String(body.byteLength));
  await cache.delete(req); // a refreshed entry becomes the newest
  await cache.put(req, new Response(body, { status: res.status, statusText: res.statusText, headers }));
  if (cacheName === SAVED) await trim(cache);
}

let trimming = null;
function trim(cache) {
  trimming ??= (async () => {
    const keys = await cache.keys(); // oldest first
    const sizes = await Promise.all(keys.map(async (k) => Number((await cache.match(k))?.headers.get(SIZE_HEADER)) || 0));
    let total = sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < keys.length && total > SAVED_BYTES; i++) {
      await cache.delete(keys[i]);
      total -= sizes[i];
    }
  })().finally(() => { trimming = null; });
  return trimming;
}

// tell lets the pages know whether the server answered: every page, since
// the map's tiles are asked for by its worker, not by the page itself.
let told = '';
async function tell(event, state) {
  if (state === told && state === 'online') return;
  told = state;
  for (const c of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) c.postMessage({ partymap: state });
}
