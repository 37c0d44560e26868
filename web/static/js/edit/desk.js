// The desk: the proposals a member of staff has to do with. Those waiting
// for their agreement (a neighbour's boundary change touching a grid they
// look after) come first, to review on the map (before dashed, after
// solid, the areas each grid gains and loses, what moves with them) and to
// accept or decline with a reason; then their own, with where each stands
// (waiting, accepted, declined and why, stale and what changed).

import { el, button } from '../dom.js';
import { problemText } from './api.js';
import { whenText, nameOf } from './history.js';

/**
 * createDesk fills box. ctx: { api, i18n, review(p) (show it on the map),
 * unreview(), applied(answer) (an acceptance changed the map) }.
 * Returns { load(), count() }.
 */
export function createDesk(box, { api, i18n, review, unreview, applied }) {
  let proposals = [];
  let seen = new Set();
  let fresh = new Set();
  let reviewing = null;
  const notes = new Map(); // proposal id → { kind, text }
  const declining = new Set();

  const gridNames = (p, codes) => i18n.list(codes.map((c) => {
    const g = p.grids.find((x) => x.key === c);
    return g ? nameOf(g, i18n) : c;
  }));

  function stateText(p) {
    const { t } = i18n;
    if (p.state === 'open' && p.stale) {
      const last = p.later[p.later.length - 1];
      const names = i18n.list([...new Set(p.later.map((c) => nameOf(c.feature, i18n)))]);
      return { kind: 'error', text: t('stateStale', { names, who: last.who, when: whenText(last.at, i18n.lang()) }) };
    }
    switch (p.state) {
      case 'open': return { kind: 'muted', text: t('stateOpen', { grids: gridNames(p, p.waiting) }) };
      case 'accepted': return { kind: 'ok', text: t('stateAccepted', { who: p.decided_by, when: whenText(p.decided_at, i18n.lang()) }) };
      case 'declined': return { kind: 'error', text: t('stateDeclined', { who: p.decided_by, note: p.note }) };
      default: return { kind: 'muted', text: t('stateWithdrawn') };
    }
  }

  function areaLines(p) {
    return p.preview.map((it) => {
      if (it.feature.layer === 'grids') {
        return i18n.t('areaLine', { name: nameOf(it.feature, i18n), gain: Math.round(it.gained_m2), loss: Math.round(it.lost_m2) });
      }
      return i18n.t('labelled', { label: nameOf(it.feature, i18n), value: i18n.pick(it.note_zh, it.note_en) });
    });
  }

  function item(p) {
    const { t } = i18n;
    const li = el('li', `proposal${reviewing === p.id ? ' reviewing' : ''}`);
    li.dataset.proposal = String(p.id);
    const head = el('div', 'line', t('proposalLine', { id: p.id, grid: nameOf(p.grid, i18n), who: p.proposer, when: whenText(p.created_at, i18n.lang()) }));
    if (fresh.has(p.id)) head.append(' ', el('span', 'badge', t('newBadge')));
    li.append(head);
    if (p.comment) li.append(el('q', 'comment', p.comment));
    const st = stateText(p);
    li.append(el('p', `state ${st.kind}`, st.text));
    if (reviewing === p.id) li.append(el('ul', 'areas', ...areaLines(p).map((a) => el('li', '', a))), el('p', 'muted', t('reviewLegend')));
    const actions = el('div', 'actions');
    const act = (name, cls, fn, label) => {
      const b = button(cls, fn, label);
      b.dataset.action = name;
      actions.append(b);
      return b;
    };
    act('review', '', () => toggleReview(p), t('review'));
    if (p.can_accept) {
      act('accept', 'primary', async (ev) => {
        ev.target.disabled = true;
        const r = await api.call('POST', `api/proposals/${p.id}/accept`);
        if (r.ok) {
          const done = r.data.proposal.state === 'accepted';
          notes.set(p.id, { kind: 'ok', text: done ? t('acceptedDone', { id: r.data.change_set }) : t('agreedWaiting', { grids: gridNames(p, r.data.proposal.waiting) }) });
          if (done) applied(r.data);
        } else {
          notes.set(p.id, { kind: 'error', text: problemText(r, i18n) });
        }
        await load();
      }, t('accept'));
    }
    if (p.can_decline) act('decline', '', () => { declining.add(p.id); render(); }, t('decline'));
    if (p.mine && p.state === 'open') {
      act('withdraw', '', async () => {
        const r = await api.call('POST', `api/proposals/${p.id}/withdraw`);
        if (!r.ok) notes.set(p.id, { kind: 'error', text: problemText(r, i18n) });
        await load();
      }, t('withdraw'));
    }
    li.append(actions);
    if (declining.has(p.id) && p.can_decline) {
      const reason = el('textarea', 'reason');
      reason.rows = 2;
      reason.setAttribute('aria-label', t('declineReason'));
      reason.placeholder = t('declineReason');
      const send = button('primary', async () => {
        const r = await api.call('POST', `api/proposals/${p.id}/decline`, { query: { reason: reason.value.trim() } });
        if (r.ok) declining.delete(p.id);
        else notes.set(p.id, { kind: 'error', text: problemText(r, i18n) });
        await load();
      }, t('decline'));
      send.dataset.action = 'send-decline';
      li.append(el('label', 'comment-label', el('span', '', t('declineReason')), reason), send);
    }
    const note = notes.get(p.id);
    if (note) li.append(el('p', note.kind === 'ok' ? 'ok' : 'error', note.text));
    return li;
  }

  function toggleReview(p) {
    if (reviewing === p.id) {
      reviewing = null;
      unreview();
    } else {
      reviewing = p.id;
      fresh.delete(p.id);
      review(p);
    }
    render();
  }

  function render() {
    const { t } = i18n;
    const forMe = proposals.filter((p) => p.state === 'open' && !p.mine && (p.can_accept || p.can_decline));
    const mine = proposals.filter((p) => p.mine);
    const others = proposals.filter((p) => !p.mine && !forMe.includes(p) && (p.state === 'open' || notes.has(p.id)));
    const count = forMe.filter((p) => p.can_accept).length;
    const head = el('h2', '', t('desk'));
    if (count) head.append(' ', el('span', 'count', String(count)));
    box.replaceChildren(head);
    const group = (title, ps, name) => {
      if (!ps.length) return;
      const list = el('ol', 'proposals', ...ps.map(item));
      list.dataset.group = name;
      box.append(el('h3', '', title), list);
    };
    group(t('deskForMe'), forMe, 'for-me');
    group(t('deskMine'), mine, 'mine');
    group(t('deskOthers'), others, 'others');
    if (!forMe.length && !mine.length && !others.length) box.append(el('p', 'muted', t('deskEmpty')));
  }

  async function load() {
    const r = await api.call('GET', 'api/proposals', { query: { state: 'all' } });
    if (!r.ok) return;
    proposals = r.data.proposals.filter((p) => p.state === 'open' || p.mine || notes.has(p.id));
    for (const p of proposals) {
      if (!seen.has(p.id) && seen.size && !p.mine) fresh.add(p.id);
    }
    seen = new Set([...seen, ...proposals.map((p) => p.id), 0]);
    const current = proposals.find((p) => p.id === reviewing);
    if (reviewing && (!current || current.state !== 'open')) {
      reviewing = null;
      unreview();
    }
    render();
  }

  i18n.onChange(render);
  return { load, count: () => proposals.filter((p) => p.state === 'open' && p.can_accept).length, reviewing: () => reviewing };
}
