// The phone map without signal: registers the service worker (sw.js)
// that keeps what the visitor has seen, and shows a small badge while the
// map answers from that copy. The kiosk does not call it.

import { el } from './dom.js';

/**
 * startOffline registers the service worker and wires the badge into the
 * page; it returns keep(urls), which hands the worker what this visit
 * loaded besides the page's own files (the map's style, tiles, sprite,
 * which the map's worker fetches) on a visit the worker did not yet serve.
 */
export function startOffline(i18n) {
  if (!('serviceWorker' in navigator)) return () => {};
  const badge = el('div', 'offline-badge');
  badge.setAttribute('role', 'status');
  badge.hidden = true;
  document.body.append(badge);
  const text = () => { badge.textContent = i18n.t('offlineBadge'); };
  text();
  i18n.onChange(text);
  // while the saved map shows, ask the server now and then whether it is
  // back (past every cache): the worker then says so
  let probe = 0;
  const show = (offline) => {
    badge.hidden = !offline;
    document.documentElement.dataset.offline = offline ? 'yes' : 'no';
    clearInterval(probe);
    if (offline) probe = setInterval(() => fetch(new URL('viewer-config.json', document.baseURI), { cache: 'no-store' }).catch(() => {}), 5000);
  };
  navigator.serviceWorker.addEventListener('message', (ev) => {
    if (ev.data?.partymap === 'offline') show(true);
    if (ev.data?.partymap === 'online') show(false);
  });
  // messages wait until the page listens for them
  navigator.serviceWorker.startMessages();
  window.addEventListener('offline', () => show(true));
  window.addEventListener('online', () => show(false));
  if (!navigator.onLine) show(true);
  navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: new URL('./', document.baseURI).pathname })
    .catch((err) => console.warn('offline map:', err.message));
  navigator.serviceWorker.controller?.postMessage({ partymapAsk: true });
  // what this visit loaded before the worker took charge, for it to keep
  const servedAtStart = !!navigator.serviceWorker.controller;
  return (more) => {
    if (servedAtStart) return;
    navigator.serviceWorker.ready.then((reg) => {
      const urls = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name), ...more]
        .map((u) => new URL(u, document.baseURI).href)
        .filter((u) => new URL(u).origin === location.origin);
      reg.active?.postMessage({ partymapKeep: [...new Set(urls)] });
    });
  };
}
