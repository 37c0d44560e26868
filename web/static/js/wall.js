// wall.js is the problem wall and echo wall (问题墙 + 回音壁, /wall): the
// published orders still open, as cards by grid, and the answered ones,
// newest first, with the answer and the branch that gave it; the form a
// resident reports with (a problem for the wall or a need for the
// three-order system), and the look-up of an order by its tracking code,
// where its submitter confirms or reopens it. On the kiosk (/wall?kiosk=1)
// it shows a QR code that opens the form on a phone, and, as its attract
// mode, slowly lights up one answer after another.
//
// Every text of an order is the resident's or a cadre's: it is set as
// text (el(), textContent), never as markup. The page follows the event
// stream: a change of an order reloads the wall.

import { loadConfig } from './config.js';
import { el, button, byId } from './dom.js';
import { createI18n, initialLang } from './i18n.js';
import { qrSVG } from './qr.js';

const LAYER = 'orders';
const ANSWERED = ['done', 'confirmed'];
const SPOTLIGHT_MS = 6000; // how long the kiosk lights up each answer
const RELOAD_MS = 300; // a burst of changes reloads once

let i18n;
let kiosk = false;
let orders = [];
let grids = new Map(); // code → properties
let place = null; // [lon, lat] the resident's device gave

/** start builds the page; boot.js calls it. */
export async function start() {
  const config = await loadConfig();
  i18n = createI18n(config, initialLang());
  kiosk = new URLSearchParams(location.search).get('kiosk') === '1';
  document.documentElement.dataset.mode = kiosk ? 'kiosk' : 'phone';
  i18n.onChange(() => { translate(); render(); });
  translate();
  byId('wall-lang').addEventListener('click', () => i18n.setLang(i18n.lang() === 'en' ? 'zh' : 'en'));
  byId('wall-report').addEventListener('click', () => openSheet('report'));
  byId('wall-track').addEventListener('click', () => openSheet('track'));
  byId('report-close').addEventListener('click', closeSheets);
  byId('track-close').addEventListener('click', closeSheets);
  byId('report-locate').addEventListener('click', locate);
  byId('report-form').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  byId('track-form').addEventListener('submit', (e) => { e.preventDefault(); track(byId('track-code').value); });
  window.addEventListener('hashchange', route);
  if (kiosk) {
    byId('wall-map').href = 'kiosk';
    const qr = byId('wall-qr');
    byId('wall-qr-code').innerHTML = qrSVG(new URL('wall#report', document.baseURI).href); // the QR matrix only
    qr.hidden = false;
    setInterval(spotlight, SPOTLIGHT_MS);
  }
  await Promise.all([loadGrids(), loadCompounds()]);
  await load();
  follow();
  route();
  document.documentElement.dataset.wallReady = 'true';
}

function translate() {
  i18n.translate();
  for (const n of document.querySelectorAll('[data-value]')) n.textContent = i18n.value(LAYER, 'kind', n.dataset.value);
  const cat = byId('report-category');
  const chosen = cat.value;
  cat.replaceChildren(...i18n.values(LAYER, 'category').map((c) => {
    const o = el('option', '', c.label);
    o.value = c.value;
    return o;
  }));
  cat.value = chosen || 'other';
  const first = byId('report-compound').options[0];
  if (first) first.textContent = i18n.t('reportPickCompound');
}

async function getJSON(path) {
  const res = await fetch(new URL(path, document.baseURI), { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

async function loadGrids() {
  const fc = await getJSON('collections/grids/items?limit=1000&properties=code,name_zh,name_en,branch_zh,branch_en');
  grids = new Map(fc.features.map((f) => [f.properties.code, f.properties]));
}

async function loadCompounds() {
  const fc = await getJSON('collections/compounds/items?limit=1000&properties=name_zh,name_en,grid_code');
  const sel = byId('report-compound');
  const none = el('option', '', i18n.t('reportPickCompound'));
  none.value = '';
  const opts = fc.features
    .sort((a, b) => (a.properties.name_zh || '').localeCompare(b.properties.name_zh || '', 'zh'))
    .map((f) => {
      const o = el('option', '', i18n.pick(f.properties.name_zh, f.properties.name_en));
      o.value = String(f.id);
      o.dataset.zh = f.properties.name_zh || '';
      return o;
    });
  sel.replaceChildren(none, ...opts);
}

// What the wall shows: every open order (newest first, up to OPEN_MAX) and
// the newest answered ones (up to ECHO_MAX), read with CQL2 filters.
const OPEN_MAX = 1000;
const ECHO_MAX = 60;

async function load() {
  const query = (filter, sortby, limit) =>
    `collections/${LAYER}/items?limit=${limit}&sortby=${sortby}&filter=${encodeURIComponent(filter)}`;
  const open = ['published', 'claimed', 'assigned', 'reopened'].map((s) => `'${s}'`).join(', ');
  const answered = ANSWERED.map((s) => `'${s}'`).join(', ');
  const [o, a] = await Promise.all([
    getJSON(query(`status IN (${open})`, '-id', OPEN_MAX)),
    getJSON(query(`status IN (${answered})`, '-done_at', ECHO_MAX)),
  ]);
  orders = [...o.features, ...a.features];
  render();
}

/** follow reloads the wall when an order changes (the page's event stream). */
function follow() {
  let timer = 0;
  const es = new EventSource(new URL('api/events', document.baseURI));
  es.addEventListener('change', (e) => {
    let c;
    try { c = JSON.parse(e.data); } catch { return; }
    if (c.layer !== LAYER) return;
    clearTimeout(timer);
    timer = setTimeout(() => load().catch((err) => console.warn('wall: reload failed', err)), RELOAD_MS);
  });
}

function render() {
  const open = orders.filter((f) => !ANSWERED.includes(f.properties.status));
  const echo = orders.filter((f) => ANSWERED.includes(f.properties.status))
    .sort((a, b) => (b.properties.done_at || '').localeCompare(a.properties.done_at || ''));
  const byGrid = new Map();
  for (const f of open.sort((a, b) => (b.properties.submitted_at || '').localeCompare(a.properties.submitted_at || ''))) {
    const g = f.properties.grid_code || '';
    if (!byGrid.has(g)) byGrid.set(g, []);
    byGrid.get(g).push(f);
  }
  const openBox = byId('wall-open');
  const groups = [...byGrid.keys()].sort().map((code) => {
    const g = grids.get(code);
    const head = code ? `${i18n.pick(g?.name_zh, g?.name_en) || code} · ${code}` : i18n.t('wallNoGrid');
    return el('section', 'wall-grid', el('h3', '', head), ...byGrid.get(code).map((f) => card(f, false)));
  });
  openBox.replaceChildren(...(groups.length ? groups : [el('p', 'wall-empty', i18n.t('wallEmpty'))]));
  const echoBox = byId('wall-echo');
  echoBox.replaceChildren(...(echo.length ? echo.map((f) => card(f, true)) : [el('p', 'wall-empty', i18n.t('wallEmpty'))]));
  document.documentElement.dataset.wallOpen = String(open.length);
  document.documentElement.dataset.wallEcho = String(echo.length);
}

function card(f, answered) {
  const p = f.properties;
  const status = el('span', `wall-status status-${p.status}`, i18n.value(LAYER, 'status', p.status));
  const meta = el('p', 'wall-meta', i18n.value(LAYER, 'kind', p.kind),
    p.category ? ` · ${i18n.value(LAYER, 'category', p.category)}` : '', ` · ${i18n.when(p.submitted_at)}`);
  const c = el('article', `wall-card${answered ? ' wall-answered' : ''}`, status, el('p', 'wall-text', p.text || ''), meta);
  c.dataset.id = String(f.id);
  if (answered) {
    const branch = i18n.pick(p.branch_zh, p.branch_en);
    c.append(el('blockquote', 'wall-answer', p.answer || ''),
      el('p', 'wall-by', branch ? i18n.t('wallAnsweredBy', { branch }) : ''));
  } else if (p.branch_zh) {
    c.append(el('p', 'wall-by', i18n.pick(p.branch_zh, p.branch_en)));
  }
  return c;
}

/** spotlight lights up the next answer of the echo wall (the kiosk's attract mode). */
let lit = -1;
function spotlight() {
  const cards = [...document.querySelectorAll('#wall-echo .wall-card')];
  for (const c of cards) c.classList.remove('wall-spotlight');
  if (!cards.length) return;
  lit = (lit + 1) % cards.length;
  cards[lit].classList.add('wall-spotlight');
  cards[lit].scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  document.documentElement.dataset.wallSpotlight = cards[lit].dataset.id;
}

function route() {
  const h = location.hash.slice(1);
  if (h === 'report') openSheet('report');
  else if (h.startsWith('track=')) {
    openSheet('track');
    byId('track-code').value = decodeURIComponent(h.slice(6));
    track(byId('track-code').value);
  }
}

function openSheet(id) {
  closeSheets();
  byId(id).hidden = false;
}

function closeSheets() {
  byId('report').hidden = true;
  byId('track').hidden = true;
}

function locate() {
  if (!navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition((pos) => {
    place = [pos.coords.longitude, pos.coords.latitude];
    byId('report-located').textContent = i18n.t('reportLocated', { lon: place[0].toFixed(5), lat: place[1].toFixed(5) });
    byId('report-compound').value = '';
  }, () => showError('report-error', i18n.t('reportNeedPlace')), { enableHighAccuracy: true, timeout: 10000 });
}

function showError(id, text) {
  const box = byId(id);
  box.textContent = text;
  box.hidden = !text;
}

/** problemText is a problem document's sentence in the page's language. */
async function problemText(res) {
  try {
    const p = await res.json();
    return (i18n.lang() === 'zh' && p.detail_zh) || p.detail || `${res.status}`;
  } catch {
    return `${res.status}`;
  }
}

async function submit() {
  showError('report-error', '');
  const form = byId('report-form');
  const body = {
    kind: form.elements.kind.value,
    category: byId('report-category').value,
    text: byId('report-text').value,
    phone: byId('report-phone').value,
  };
  const compound = Number(byId('report-compound').value);
  if (compound) body.compound = compound;
  else if (place) body.point = place;
  else {
    showError('report-error', i18n.t('reportNeedPlace'));
    return;
  }
  const btn = byId('report-submit');
  btn.disabled = true;
  btn.textContent = i18n.t('reportSending');
  try {
    const res = await fetch(new URL('api/orders', document.baseURI), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    if (!res.ok) {
      showError('report-error', await problemText(res));
      return;
    }
    const rec = await res.json();
    form.hidden = true;
    byId('report-code').textContent = rec.code;
    const follow = new URL(rec.track, document.baseURI).href;
    byId('report-qr').innerHTML = qrSVG(follow); // the QR matrix only
    byId('report-follow').href = follow;
    byId('report-done').hidden = false;
    document.documentElement.dataset.reportCode = rec.code;
  } finally {
    btn.disabled = false;
    btn.textContent = i18n.t('reportSubmit');
  }
}

async function track(code) {
  showError('track-error', '');
  const out = byId('track-result');
  out.replaceChildren();
  if (!code.trim()) return;
  const res = await fetch(new URL(`api/track?code=${encodeURIComponent(code.trim())}`, document.baseURI));
  if (!res.ok) {
    showError('track-error', await problemText(res));
    return;
  }
  const o = await res.json();
  const p = o.properties;
  const box = el('div', 'track-order',
    el('p', 'wall-status-line', i18n.t('trackStatus', { status: i18n.value(LAYER, 'status', p.status) })),
    el('p', 'wall-text', p.text || ''),
    p.answer ? el('blockquote', 'wall-answer', p.answer) : null,
    p.reason ? el('p', 'wall-reason', p.reason) : null);
  if (p.status === 'done') {
    const reason = el('input', 'track-reason');
    reason.placeholder = i18n.t('trackReason');
    reason.maxLength = 1000;
    const act = (action) => async () => {
      const r = await fetch(new URL(`api/orders/${o.id}/${action}`, document.baseURI), {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: code.trim(), text: reason.value }),
      });
      if (!r.ok) showError('track-error', await problemText(r));
      else track(code);
    };
    box.append(button('wall-button wall-primary', act('confirm'), i18n.t('trackConfirm')), reason, button('wall-button', act('reopen'), i18n.t('trackReopen')));
  }
  out.replaceChildren(box);
}
