// echo.js is the echo wall (回音壁) on the map's kiosk: the newest answers
// the branches gave to residents' published orders, the idle kiosk's
// showcase after today's activities. The whole wall is /wall (wall.js);
// this sheet shows its newest few and where to find the rest.
//
// Every text of an order is a resident's or a cadre's: it is set as text
// (el()), never as markup.

import { el, byId } from './dom.js';

const SHOWN = 3;
const ANSWERED = "status IN ('done', 'confirmed')";

/**
 * mountEcho installs the sheet. app: the page's app object (app.js).
 * Returns { open(), close() }.
 */
export function mountEcho(app) {
  const { i18n } = app;
  const sheet = byId('echo-sheet');
  const body = byId('echo-body');

  const load = async () => {
    const url = new URL('collections/orders/items', document.baseURI);
    url.searchParams.set('filter', ANSWERED);
    url.searchParams.set('sortby', '-done_at');
    url.searchParams.set('limit', String(SHOWN));
    const res = await fetch(url, { headers: { Accept: 'application/geo+json' } });
    if (!res.ok) throw new Error(`${url.pathname}: ${res.status}`);
    return (await res.json()).features;
  };

  const render = async () => {
    const list = el('ol', 'echo-list');
    body.replaceChildren(el('h2', 'whatson-title', i18n.t('wallEcho')), el('p', 'echo-note', i18n.t('wallEchoNote')), list);
    let items;
    try {
      items = await load();
    } catch {
      list.append(el('li', 'whatson-empty', i18n.t('loadFailed')));
      return;
    }
    if (!items.length) list.append(el('li', 'whatson-empty', i18n.t('wallEmpty')));
    for (const f of items) {
      const p = f.properties;
      const branch = i18n.pick(p.branch_zh, p.branch_en);
      const item = el('li', 'echo-item',
        el('p', 'echo-text', p.text || ''),
        el('blockquote', 'echo-answer', p.answer || ''),
        el('p', 'echo-by', [branch ? i18n.t('wallAnsweredBy', { branch }) : '', i18n.when(p.done_at)].filter(Boolean).join(' · ')));
      item.dataset.id = String(f.id);
      list.append(item);
    }
    body.append(el('p', 'echo-more', i18n.t('echoMore')));
    document.documentElement.dataset.echoShown = String(items.length);
  };

  const open = () => {
    app.closeCard();
    app.hidePanel();
    sheet.hidden = false;
    render();
  };
  const close = () => {
    sheet.hidden = true;
  };
  byId('echo-close').addEventListener('click', close);
  i18n.onChange(() => { if (!sheet.hidden) render(); });
  return { open, close };
}
