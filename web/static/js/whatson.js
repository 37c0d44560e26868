// The activities column on the map: today's activities as markers with
// their time, the "今日活动 / What's on" sheet (today, this week) whose
// cards fly to the place, open the venue's card and carry a QR code of
// the activity's own calendar file, and a venue's week (busy and free)
// on its card. Everything comes from the server: /api/activities (the
// occurrences, weekly rules expanded there) and
// /api/venues/{id}/availability (busy blocks only).

import { el, button, byId } from './dom.js';
import { qrSVG } from './qr.js';
import { readable } from './reading.js';

/** The kinds of post that are shared venues (the catalogue's geo.VenueKinds). */
export const VENUE_KINDS = ['activity_room', 'cultural_space'];

const SOURCE = 'activities-today';
const CST = 'Asia/Shanghai';

// clock writes a time as China Standard Time, HH:MM.
const clock = (iso) => new Date(iso).toLocaleTimeString('en-GB', { timeZone: CST, hour: '2-digit', minute: '2-digit', hour12: false });
// dayLabel writes a day as M/D and its weekday, in the page's language.
const dayLabel = (iso, lang) => new Date(iso).toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: CST, month: 'numeric', day: 'numeric', weekday: 'short' });
// cstDay is the CST date of an instant, YYYY-MM-DD.
const cstDay = (d) => new Date(d).toLocaleDateString('sv-SE', { timeZone: CST });

async function fetchJSON(path, params) {
  const url = new URL(path, document.baseURI);
  for (const [k, v] of Object.entries(params || {})) url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url.pathname}: ${res.status}`);
  return res.json();
}

/**
 * mountWhatsOn installs the markers and the sheet. app: the page's app
 * object (app.js). Returns { reload(), open(), close() }: open shows today's
 * list (the idle kiosk's showcase).
 */
export function mountWhatsOn(app) {
  const { map, i18n } = app;
  const sheet = byId('whatson-sheet');
  const body = byId('whatson-body');
  let range = 'today';
  let today = [];

  map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  // the dots over the flags and beneath the labels (a circle takes no part
  // in placement: over them it hid the name of the temple it stands by),
  // their times above, like the units' badges (declutter.js)
  const beneathLabels = map.getLayer('streets-label') ? 'streets-label' : undefined;
  map.addLayer({ id: 'activities-today-dot', type: 'circle', source: SOURCE,
    paint: { 'circle-radius': 9, 'circle-color': '#f9a825', 'circle-stroke-color': '#b71c1c', 'circle-stroke-width': 3 } }, beneathLabels);
  map.addLayer(readable(map, { id: 'activities-today-label', type: 'symbol', source: SOURCE,
    layout: { 'text-field': ['get', 'label'], 'text-font': ['Noto Sans CJK SC'], 'text-size': 14, 'text-offset': [0, 1.4], 'text-anchor': 'top', 'text-allow-overlap': false },
    paint: { 'text-color': '#7f0000', 'text-halo-color': '#fff', 'text-halo-width': 2 } }));

  const markers = () => {
    const lang = i18n.lang();
    map.getSource(SOURCE)?.setData({ type: 'FeatureCollection', features: today.filter((a) => a.position).map((a) => ({
      type: 'Feature', geometry: { type: 'Point', coordinates: a.position },
      properties: { id: a.id, label: `${clock(a.start)} ${lang === 'en' ? a.name_en : a.name_zh}` } })) });
  };

  const load = async (which) => {
    const from = new Date();
    const params = { from: cstDay(from), lang: i18n.lang() };
    if (which === 'today') params.to = cstDay(from.getTime() + 86400000);
    return (await fetchJSON('api/activities', params)).activities;
  };

  const show = (a) => {
    app.flyTo(a.position, 17.4);
    if (a.venue_id) app.openCard('posts', a.venue_id);
  };

  const render = async () => {
    const lang = i18n.lang();
    const tabs = el('div', 'whatson-tabs',
      ...['today', 'week'].map((r) => {
        const b = button(`whatson-tab${r === range ? ' on' : ''}`, () => { range = r; render(); }, i18n.t(r === 'today' ? 'today' : 'thisWeek'));
        b.dataset.range = r;
        return b;
      }));
    const list = el('ol', 'whatson-list');
    body.replaceChildren(el('h2', 'whatson-title', i18n.t('whatsOn')), tabs, list);
    let items;
    try {
      items = range === 'today' ? (today = await load('today')) : await load('week');
    } catch {
      list.append(el('li', 'whatson-empty', i18n.t('loadFailed')));
      return;
    }
    if (range === 'today') markers();
    if (!items.length) list.append(el('li', 'whatson-empty', i18n.t('noActivities')));
    for (const a of items) {
      const when = range === 'today' ? `${clock(a.start)}–${clock(a.end)}` : `${dayLabel(a.start, lang)} ${clock(a.start)}–${clock(a.end)}`;
      const item = el('li', `whatson-item${a.status === 'cancelled' ? ' cancelled' : ''}`);
      item.dataset.id = String(a.id);
      const main = button('whatson-card', () => show(a),
        el('span', 'whatson-when', when),
        el('strong', 'whatson-name', lang === 'en' ? a.name_en : a.name_zh),
        el('span', 'whatson-place', lang === 'en' ? a.place_en : a.place_zh),
        a.audience === 'party_members' ? el('span', 'whatson-members', i18n.t('membersOnly')) : null);
      item.append(main);
      const cal = new URL(a.calendar, document.baseURI).href;
      if (app.isKiosk && a.audience === 'public') {
        const qr = el('figure', 'whatson-qr');
        qr.innerHTML = qrSVG(cal); // built from the QR matrix only
        qr.append(el('figcaption', '', i18n.t('scanToCalendar')));
        item.append(qr);
      } else if (a.audience === 'public') {
        const link = el('a', 'whatson-calendar', i18n.t('addToCalendar'));
        link.href = cal;
        item.append(link);
      }
      list.append(item);
    }
  };

  const open = () => {
    app.closeCard();
    app.hidePanel();
    range = 'today';
    sheet.hidden = false;
    document.body.classList.add('whatson-open');
    render();
  };
  const close = () => {
    sheet.hidden = true;
    document.body.classList.remove('whatson-open');
  };
  byId('whatson').addEventListener('click', () => (sheet.hidden ? open() : close()));
  byId('whatson-close').addEventListener('click', close);
  i18n.onChange(() => { markers(); if (!sheet.hidden) render(); });
  // an activity edited anywhere moves its marker
  window.addEventListener('partymap:change', (e) => { if (e.detail?.layer === 'activities') reload(); });
  const reload = async () => {
    try {
      today = await load('today');
      markers();
    } catch (err) {
      console.warn('activities:', err.message);
    }
  };
  reload();
  return { reload, open, close };
}

/**
 * venueWeek returns an element that shows a shared venue's next seven days,
 * busy and free, and reloads when the venue's bookings change (a booking
 * confirmed at the staff desk shows within a moment).
 */
export function venueWeek(id, i18n) {
  const root = el('div', 'venue-week');
  root.dataset.state = 'loading';
  root.append(el('p', 'venue-week-loading', i18n.t('loading')));
  const load = async () => {
    let a;
    try {
      a = await fetchJSON(`api/venues/${id}/availability`, { from: cstDay(Date.now()) });
    } catch {
      root.dataset.state = 'failed';
      root.replaceChildren(el('p', '', i18n.t('loadFailed')));
      return;
    }
    const lang = i18n.lang();
    const days = el('ol', 'venue-days');
    for (let d = 0; d < 7; d++) {
      const day = cstDay(new Date(a.from).getTime() + d * 86400000);
      const busy = a.busy.filter((b) => cstDay(b.start) === day || cstDay(new Date(b.end).getTime() - 1) === day);
      const row = el('li', 'venue-day', el('span', 'venue-day-name', dayLabel(`${day}T12:00:00+08:00`, lang)));
      row.dataset.day = day;
      if (!busy.length) row.append(el('span', 'venue-free', i18n.t('allFree')));
      for (const b of busy) row.append(el('span', 'venue-busy', `${i18n.t('busy')} ${clock(b.start)}–${clock(b.end)}`));
      days.append(row);
    }
    root.dataset.busy = String(a.busy.length);
    root.dataset.state = 'loaded';
    // staff on a phone go on to the desk; the kiosk leads nowhere else
    let desk = null;
    if (document.documentElement.dataset.mode !== 'kiosk') {
      desk = el('a', 'venue-desk', i18n.t('venueDesk'));
      desk.href = new URL(`desk/venues?venue=${id}`, document.baseURI).href;
    }
    root.replaceChildren(days, el('details', 'venue-how', el('summary', '', i18n.t('howToBook')),
      el('p', '', lang === 'en' ? a.how_to_book.en : a.how_to_book.zh), desk));
  };
  const onBooking = (e) => {
    if (!root.isConnected) {
      window.removeEventListener('partymap:booking', onBooking);
      return;
    }
    if (Number(e.detail?.venue_id) === Number(id)) load();
  };
  window.addEventListener('partymap:booking', onBooking);
  load();
  return root;
}

/**
 * orgResources returns an element listing what a co-building unit shares
 * (the resources layer, 资源单) and when; it removes its card row when the
 * unit shares nothing.
 */
export function orgResources(id, i18n) {
  const root = el('ul', 'org-resources');
  root.dataset.state = 'loading';
  (async () => {
    let fc;
    try {
      const url = new URL('collections/resources/items', document.baseURI);
      url.searchParams.set('organization_id', String(id));
      url.searchParams.set('limit', '50');
      const res = await fetch(url, { headers: { Accept: 'application/geo+json' } });
      if (!res.ok) throw new Error(`${url.pathname}: ${res.status}`);
      fc = await res.json();
    } catch {
      root.dataset.state = 'failed';
      return;
    }
    const lang = i18n.lang();
    const pick = (p, k) => (lang === 'en' ? p[`${k}_en`] : p[`${k}_zh`]) || '';
    for (const f of fc.features || []) {
      const p = f.properties;
      root.append(el('li', 'org-resource',
        el('strong', '', pick(p, 'name')),
        el('span', 'org-resource-kind', i18n.value('resources', 'kind', p.kind)),
        el('span', 'org-resource-when', pick(p, 'when')),
        pick(p, 'details') ? el('span', 'org-resource-details', pick(p, 'details')) : null));
    }
    root.dataset.state = 'loaded';
    root.dataset.count = String(root.children.length);
    if (!root.children.length) root.closest('.fact')?.remove();
  })();
  return root;
}
