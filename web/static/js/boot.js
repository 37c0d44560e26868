// boot.js is the pages' one script: it loads the page's module (the map or
// the staff editor, or the venue desk, by <html data-app>) and starts it. When the module or
// anything it imports cannot load (a vendored library missing from the
// server, say) or start, the page says so instead of showing an empty map.

import { createI18n, initialLang } from './i18n.js';

const entries = {
  map: () => import('./app.js'),
  edit: () => import('./edit/main.js'),
  wall: () => import('./wall.js'),
  desk: () => import('./orderdesk.js'),
  venues: () => import('./venues.js'),
};

async function boot() {
  const load = entries[document.documentElement.dataset.app];
  if (!load) throw new Error(`no page module for data-app="${document.documentElement.dataset.app}"`);
  const page = await load();
  await page.start();
}

boot().catch((err) => {
  console.error('partymap: the page could not start:', err);
  const box = document.getElementById('fatal');
  if (box) {
    box.textContent = createI18n(null, initialLang()).t('fatal');
    box.hidden = false;
  }
});
