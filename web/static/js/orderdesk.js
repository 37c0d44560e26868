// orderdesk.js is the staff's orders desk (/desk): the queue of the orders
// of the grids a member of staff looks after (every status, the overdue
// flagged, the submitter's phone while it is kept), with the action each
// status allows: publish or reject, claim for the grid's branch, assign to
// a member, close with the public answer; an open order may be moved into
// a compound of one's grids when its place is wrong. Beside it the branch's members
// and their points, and the CSV export of the last 30 days. It logs in as
// the editor does (a session, and its CSRF token on every write) and
// follows the event stream: a new or changed order shows at once.

import { createAPI, problemText } from './edit/api.js';
import { loadConfig } from './config.js';
import { el, button, byId } from './dom.js';
import { createI18n, initialLang } from './i18n.js';

const LAYER = 'orders';

let i18n;
let api;
let members = [];
let gridCodes = [];
let compounds = []; // [{id, name_zh, name_en}] by name, where an order may be moved

/** start builds the page; boot.js calls it. */
export async function start() {
  const config = await loadConfig();
  i18n = createI18n(config, initialLang({ browser: true }));
  api = createAPI();
  i18n.onChange(() => { translate(); reload(); });
  translate();
  byId('desk-lang').addEventListener('click', () => i18n.setLang(i18n.lang() === 'en' ? 'zh' : 'en'));
  byId('desk-login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api.login(byId('desk-name').value, byId('desk-password').value);
    byId('desk-password').value = '';
    if (!r.ok) {
      showError('desk-login-error', problemText(r, i18n));
      return;
    }
    await enter(r.data);
  });
  for (const id of ['desk-grid', 'desk-status', 'desk-overdue']) byId(id).addEventListener('change', loadQueue);
  byId('desk-member-form').addEventListener('submit', (e) => { e.preventDefault(); addMember(); });
  const session = await api.resume();
  if (session) await enter(session);
  else byId('desk-login').hidden = false;
  document.documentElement.dataset.deskReady = 'true';
}

function translate() {
  i18n.translate();
  const status = byId('desk-status');
  const chosen = status.value;
  status.replaceChildren(option('', i18n.t('ordersDeskAll')), ...i18n.values(LAYER, 'status').map((c) => option(c.value, c.label)));
  status.value = chosen;
  const grid = byId('desk-grid');
  const g = grid.value;
  grid.replaceChildren(option('', i18n.t('ordersDeskAll')), ...gridCodes.map((c) => option(c, c)));
  grid.value = g;
  byId('desk-member-grid').replaceChildren(...gridCodes.map((c) => option(c, c)));
  byId('desk-export').href = new URL('api/orders/export', document.baseURI).href;
}

function option(value, text) {
  const o = el('option', '', text);
  o.value = value;
  return o;
}

function showError(id, text) {
  const box = byId(id);
  box.textContent = text || '';
  box.hidden = !text;
}

async function enter(session) {
  const u = session.user;
  const scope = u.grids?.length ? u.grids.join(', ') : (u.communities?.length ? u.communities.join(', ') : i18n.t('ordersDeskWholeCity'));
  byId('desk-who').textContent = i18n.t('ordersDeskWho', { name: u.name, scope });
  byId('desk-login').hidden = true;
  byId('desk-main').hidden = false;
  const grids = await api.call('GET', 'collections/grids/items', { query: { limit: 1000, properties: 'code' } });
  gridCodes = (grids.data?.features || []).map((f) => f.properties.code)
    .filter((c) => !u.grids?.length || u.grids.includes(c)).sort();
  const cs = await api.call('GET', 'collections/compounds/items', { query: { limit: 10000, properties: 'name_zh,name_en,grid_code' } });
  compounds = (cs.data?.features || []).filter((f) => gridCodes.includes(f.properties.grid_code))
    .map((f) => ({ id: f.id, ...f.properties })).sort((a, b) => (a.name_zh || '').localeCompare(b.name_zh || '', 'zh'));
  translate();
  await reload();
  follow();
}

async function reload() {
  if (byId('desk-main').hidden) return;
  await loadMembers();
  await loadQueue();
}

async function loadMembers() {
  const r = await api.call('GET', 'api/members');
  members = r.data?.members || [];
  const body = byId('desk-member-table').tBodies[0];
  body.replaceChildren(...members.map((m) => el('tr', '', el('td', '', m.name), el('td', '', m.grid), el('td', 'desk-points', String(m.points)))));
}

async function loadQueue() {
  const r = await api.call('GET', 'api/orders', {
    query: { grid: byId('desk-grid').value, status: byId('desk-status').value, overdue: byId('desk-overdue').checked ? 'true' : '' },
  });
  const box = byId('desk-orders');
  if (!r.ok) {
    box.replaceChildren(el('p', 'wall-error', problemText(r, i18n)));
    return;
  }
  const orders = r.data.orders || [];
  box.replaceChildren(...(orders.length ? orders.map(row) : [el('p', 'wall-empty', i18n.t('ordersDeskEmpty'))]));
  document.documentElement.dataset.deskOrders = String(orders.length);
}

/** row is one order of the queue with the actions its status allows. */
function row(o) {
  const p = o.properties;
  const head = el('p', 'wall-meta',
    el('span', `wall-status status-${p.status}`, i18n.value(LAYER, 'status', p.status)),
    o.overdue ? el('span', 'desk-overdue', i18n.t('ordersDeskOverdueBadge')) : null,
    ` ${i18n.value(LAYER, 'kind', p.kind)}`, p.category ? ` · ${i18n.value(LAYER, 'category', p.category)}` : '',
    ` · ${p.grid_code || '—'} · ${i18n.when(p.submitted_at, { time: true })}`);
  const card = el('article', 'wall-card desk-order', head, el('p', 'wall-text', p.text || ''));
  card.dataset.id = String(o.id);
  card.dataset.status = p.status;
  if (o.phone) card.append(el('p', 'wall-meta', i18n.t('ordersDeskPhone', { phone: o.phone })));
  if (p.answer) card.append(el('blockquote', 'wall-answer', p.answer));
  if (p.reason) card.append(el('p', 'wall-reason', p.reason));
  const actions = el('div', 'desk-actions');
  const act = (action, body) => async () => {
    const res = await api.call('POST', `api/orders/${o.id}/${action}`, { body: body ? body() : {}, headers: { 'If-Match': o.etag } });
    if (!res.ok) showError('desk-error', problemText(res, i18n));
    else showError('desk-error', '');
    await reload();
  };
  switch (p.status) {
    case 'submitted': {
      const reason = el('input', 'desk-input');
      reason.placeholder = i18n.t('ordersDeskRejectReason');
      actions.append(button('wall-button wall-primary desk-publish', act('publish'), i18n.t('ordersDeskPublish')),
        reason, button('wall-button desk-reject', act('reject', () => ({ text: reason.value })), i18n.t('ordersDeskReject')));
      break;
    }
    case 'published':
    case 'reopened':
      actions.append(button('wall-button wall-primary desk-claim', act('claim'), i18n.t('ordersDeskClaim')));
      break;
    case 'claimed':
    case 'assigned': {
      const pick = el('select', 'desk-member', option('', i18n.t('ordersDeskPickMember')),
        ...members.filter((m) => m.grid === p.grid_code).map((m) => option(String(m.id), m.name)));
      if (p.member_id) pick.value = String(p.member_id);
      actions.append(pick, button('wall-button desk-assign', act('assign', () => ({ member: Number(pick.value) })), i18n.t('ordersDeskAssign')));
      if (p.status === 'assigned') {
        const answer = el('textarea', 'desk-answer');
        answer.placeholder = i18n.t('ordersDeskAnswer');
        answer.maxLength = 1000;
        actions.append(answer, button('wall-button wall-primary desk-close', act('close', () => ({ text: answer.value })), i18n.t('ordersDeskClose')));
      }
      break;
    }
    default:
      break;
  }
  if (['submitted', 'published', 'claimed', 'assigned', 'reopened'].includes(p.status) && compounds.length) {
    const where = el('select', 'desk-move-to', option('', i18n.t('ordersDeskPickCompound')),
      ...compounds.map((c) => option(String(c.id), i18n.pick(c.name_zh, c.name_en))));
    actions.append(where, button('wall-button desk-move', act('move', () => ({ compound: Number(where.value) })), i18n.t('ordersDeskMove')));
  }
  if (actions.children.length) card.append(actions);
  return card;
}

async function addMember() {
  const r = await api.call('POST', 'api/members', {
    body: { name: byId('desk-member-name').value, grid: byId('desk-member-grid').value, public: byId('desk-member-public').checked },
  });
  if (!r.ok) {
    showError('desk-error', problemText(r, i18n));
    return;
  }
  showError('desk-error', '');
  byId('desk-member-name').value = '';
  await reload();
}

/**
 * follow reloads the queue when an order changes. A submission is not on
 * the public event stream (nothing is public before it is published), so
 * the desk also looks again every 5 s.
 */
function follow() {
  let timer = 0;
  const again = () => {
    clearTimeout(timer);
    timer = setTimeout(() => loadQueue().catch(() => {}), 300);
  };
  const es = new EventSource(new URL('api/events', document.baseURI));
  es.addEventListener('change', (e) => {
    try {
      if (JSON.parse(e.data).layer === LAYER) again();
    } catch { /* not a change */ }
  });
  setInterval(again, 5000);
}
