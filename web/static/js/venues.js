// The venue desk (/desk/venues): a shared venue's week for its keepers
// and for the staff who book it. Drag down a day's free half-hours to ask
// for a slot for one of your organizations; the venue's keeper (an
// administrator, or staff of the venue's grid) confirms or declines what
// waits. The server decides: a slot taken meanwhile is a 409 that names
// it, shown as it is said. Bookings made anywhere show at once (the
// "booking" notices of /api/events).

import { loadConfig } from './config.js';
import { byId, el, button } from './dom.js';
import { createI18n, initialLang } from './i18n.js';
import { createAPI, problemText } from './edit/api.js';
import { VENUE_KINDS } from './whatson.js';

const HOUR = 3600000;
const DAY = 24 * HOUR;
const CST = 8 * HOUR; // China Standard Time: UTC+8, no daylight saving time
const FIRST = 7; // the week shows 07:00 …
const SLOTS = 30; // … to 22:00 in half hours
const SLOT = HOUR / 2;

// cstMidnight is 00:00 CST of the day the instant ms falls on, as ms.
const cstMidnight = (ms) => Math.floor((ms + CST) / DAY) * DAY - CST;
// local writes an instant as the server's times are written, YYYY-MM-DDTHH:MM in CST.
const local = (ms) => new Date(ms + CST).toISOString().slice(0, 16);
const hhmm = (ms) => local(ms).slice(11);
const dayOf = (ms) => local(ms).slice(0, 10);

/** start builds the desk: boot.js calls it. */
export async function start() {
  const cfg = await loadConfig();
  const i18n = createI18n(cfg, initialLang({ session: true }));
  const { t } = i18n;
  const api = createAPI();
  const $ = byId;
  const state = { user: null, venues: [], venue: null, week: cstMidnight(Date.now()), orgs: [], busy: [], bookings: [], pick: null };
  window.partymapVenues = state;

  const applyLang = () => {
    i18n.translate(document);
    document.title = t('venueDesk');
    if (state.user) render();
  };
  i18n.onChange(applyLang);
  applyLang();
  $('lang').addEventListener('click', () => i18n.setLang(i18n.lang() === 'zh' ? 'en' : 'zh'));

  const say = (text, kind) => {
    const m = $('message');
    m.textContent = text;
    m.className = `message ${kind || ''}`;
  };
  const names = (p) => (i18n.lang() === 'en' ? p.name_en : p.name_zh);

  async function features(layer, query) {
    const r = await api.call('GET', `collections/${layer}/items`, { query: { limit: 500, ...query } });
    return r.ok ? r.data.features : [];
  }

  async function loggedIn(session) {
    state.user = session.user;
    $('who-name').textContent = t('whoLine', { name: state.user.name, role: state.user.role === 'admin' ? t('roleAdmin') : t('roleEditor'), scope: state.user.grids?.length ? state.user.grids.join(', ') : t('scopeAll') });
    $('who').hidden = false;
    $('login').hidden = true;
    $('desk').hidden = false;
    const posts = await features('posts');
    state.venues = posts.filter((f) => VENUE_KINDS.includes(f.properties.kind));
    const grids = state.user.role !== 'admin' && state.user.grids?.length ? state.user.grids : null;
    state.orgs = (await features('organizations')).filter((f) => !grids || grids.includes(f.properties.grid_code));
    // ?venue=ID, the link on a venue's card, opens on that venue
    const asked = Number(new URLSearchParams(location.search).get('venue'));
    state.venue = state.venues.some((v) => v.id === asked) ? asked : state.venues[0]?.id ?? null;
    await load();
  }

  $('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    const r = await api.login($('login-name').value, $('login-password').value);
    $('login-password').value = '';
    if (!r.ok) {
      $('login-error').textContent = problemText(r, i18n);
      return;
    }
    loggedIn(r.data);
  });
  $('logout').addEventListener('click', async () => {
    await api.logout();
    location.reload();
  });

  // load reads the venue's week: its busy blocks (every confirmed booking)
  // and the bookings the user may see (all of them for its keeper).
  async function load() {
    if (!state.venue) return;
    const query = { from: dayOf(state.week), to: dayOf(state.week + 7 * DAY) };
    const [av, bs] = await Promise.all([
      api.call('GET', `api/venues/${state.venue}/availability`, { query }),
      api.call('GET', `api/venues/${state.venue}/bookings`, { query }),
    ]);
    state.busy = av.ok ? av.data.busy.map((b) => [Date.parse(b.start), Date.parse(b.end)]) : [];
    state.bookings = bs.ok ? bs.data.bookings : [];
    if (!av.ok) say(problemText(av, i18n), 'error');
    render();
    document.documentElement.dataset.loaded = String(Date.now());
  }

  function render() {
    const venues = $('venues');
    venues.replaceChildren(...state.venues.map((v) => {
      const b = button(v.id === state.venue ? 'on' : '', () => { state.venue = v.id; state.pick = null; $('request').hidden = true; load(); }, names(v.properties));
      b.dataset.venue = String(v.id);
      return b;
    }));
    $('week-title').textContent = `${dayOf(state.week)} – ${dayOf(state.week + 6 * DAY)}`;
    const week = $('week');
    const cells = [el('div', 'day-head')];
    for (let d = 0; d < 7; d++) {
      cells.push(el('div', 'day-head', new Date(state.week + d * DAY + CST).toLocaleDateString(i18n.lang() === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'UTC', month: 'numeric', day: 'numeric', weekday: 'short' })));
    }
    const requested = state.bookings.filter((b) => b.status === 'requested').map((b) => [Date.parse(b.start), Date.parse(b.end)]);
    const now = Date.now();
    for (let s = 0; s < SLOTS; s++) {
      cells.push(el('div', 'time', s % 2 === 0 ? `${String(FIRST + s / 2).padStart(2, '0')}:00` : ''));
      for (let d = 0; d < 7; d++) {
        const from = state.week + d * DAY + FIRST * HOUR + s * SLOT;
        const to = from + SLOT;
        const over = (list) => list.some(([a, b]) => a < to && b > from);
        let cls = 'free';
        if (over(state.busy)) cls = 'confirmed';
        else if (over(requested)) cls = 'requested';
        else if (from < now) cls = 'past';
        const p = state.pick;
        if (p && p.day === d && s >= Math.min(p.a, p.b) && s <= Math.max(p.a, p.b)) cls += ' picked';
        const c = el('div', `slot ${cls}`);
        c.dataset.day = String(d);
        c.dataset.slot = String(s);
        c.dataset.start = local(from);
        cells.push(c);
      }
    }
    week.replaceChildren(...cells);
    renderPending();
  }

  function renderPending() {
    const list = $('pending');
    const waiting = state.bookings.filter((b) => b.status === 'requested');
    list.replaceChildren(...waiting.map((b) => {
      const org = state.orgs.find((o) => o.id === b.organization_id);
      const li = el('li', '',
        el('strong', '', `${local(Date.parse(b.start)).replace('T', ' ')}–${hhmm(Date.parse(b.end))}`),
        el('span', '', org ? names(org.properties) : `#${b.organization_id}`),
        b.purpose ? el('span', '', b.purpose) : null,
        el('span', 'muted', b.requested_by),
        button('confirm', () => decide(b, 'confirm'), t('confirmBooking')),
        button('decline', () => decide(b, 'decline'), t('declineBooking')));
      li.dataset.booking = String(b.id);
      return li;
    }));
    if (!waiting.length) list.append(el('li', 'muted', t('nothingWaiting')));
  }

  async function decide(b, what) {
    const r = await api.call('POST', `api/bookings/${b.id}/${what}`);
    if (r.ok) say(t(what === 'confirm' ? 'bookingConfirmed' : 'bookingDeclined'), 'ok');
    else say(problemText(r, i18n), 'error');
    await load();
  }

  // ---- drag down a day's free half-hours to ask for them ----
  const slotAt = (x, y) => document.elementFromPoint(x, y)?.closest?.('#week .slot');
  let dragging = false;
  $('week').addEventListener('mousedown', (e) => {
    const c = slotAt(e.clientX, e.clientY);
    if (!c || !c.classList.contains('free')) return;
    e.preventDefault();
    dragging = true;
    state.pick = { day: Number(c.dataset.day), a: Number(c.dataset.slot), b: Number(c.dataset.slot) };
    render();
  });
  document.addEventListener('mousemove', (e) => {
    if (!dragging) return;
    const c = slotAt(e.clientX, e.clientY);
    if (!c || Number(c.dataset.day) !== state.pick.day || Number(c.dataset.slot) === state.pick.b) return;
    state.pick.b = Number(c.dataset.slot);
    render();
  });
  document.addEventListener('mouseup', () => {
    if (!dragging) return;
    dragging = false;
    const p = state.pick;
    const from = state.week + p.day * DAY + FIRST * HOUR + Math.min(p.a, p.b) * SLOT;
    const to = state.week + p.day * DAY + FIRST * HOUR + (Math.max(p.a, p.b) + 1) * SLOT;
    state.pick = { ...p, from, to };
    $('request-when').textContent = `${local(from).replace('T', ' ')}–${hhmm(to)}`;
    $('request-org').replaceChildren(...state.orgs.map((o) => {
      const opt = el('option', '', names(o.properties));
      opt.value = String(o.id);
      return opt;
    }));
    $('request').hidden = false;
  });
  $('request').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const p = state.pick;
    const r = await api.call('POST', 'api/bookings', { body: {
      venue_id: state.venue, organization_id: Number($('request-org').value),
      start: local(p.from), end: local(p.to), purpose: $('request-purpose').value,
    } });
    $('request').hidden = true;
    state.pick = null;
    if (r.ok) say(t('bookingRequested'), 'ok');
    else say(problemText(r, i18n), 'error');
    await load();
  });
  $('request-cancel').addEventListener('click', () => {
    $('request').hidden = true;
    state.pick = null;
    render();
  });
  $('week-prev').addEventListener('click', () => { state.week -= 7 * DAY; load(); });
  $('week-next').addEventListener('click', () => { state.week += 7 * DAY; load(); });

  // bookings made anywhere show at once
  if (typeof EventSource === 'function') {
    const events = new EventSource(new URL('api/events', document.baseURI));
    events.addEventListener('booking', (ev) => {
      try {
        if (state.user && Number(JSON.parse(ev.data).venue_id) === state.venue) load();
      } catch { /* a notice that cannot be read changes nothing here */ }
    });
    events.addEventListener('ready', () => { document.documentElement.dataset.live = 'connected'; });
  }

  const session = await api.resume();
  if (session) await loggedIn(session);
  else $('login').hidden = false;
}
