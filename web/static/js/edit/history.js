// The editor's history panel and change sets, in words staff use: every
// version of the selected feature, newest first ("第 2 版 · 边界调整 ·
// wang · 12月2日 14:56 · 涉及第六网格", the comment under it), each with
// the change it was part of, which opens on the map before and after and
// can be undone as a whole.

import { el, button } from '../dom.js';
import { problemText } from './api.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');

/** whenText is a time as staff say it: "12月2日 14:56", "2 Dec 14:56". */
export function whenText(iso, lang) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return lang === 'en' ? `${d.getDate()} ${MONTHS[d.getMonth()]} ${hm}` : `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
}

/** nameOf names a feature ({layer, id, key, name}) as staff do: "第八网格". */
export function nameOf(ref, i18n) {
  const n = ref.name ? i18n.pick(ref.name.zh, ref.name.en) : '';
  return n || `${i18n.item(ref.layer)} ${ref.key || ref.id}`;
}

/** namesText lists features by name, at most three, then "and N more" (of total). */
export function namesText(refs, i18n, total = refs.length) {
  const names = refs.slice(0, 3).map((r) => nameOf(r, i18n));
  let text = i18n.list(names);
  if (total > names.length) text += i18n.t('historyMore', { n: total - names.length });
  return text;
}

const REASONS = { reshape: 'whatReshape', revert: 'whatRevert', restore: 'whatRestore', import: 'whatImport', seed: 'whatSeed', sql: 'whatSQL', migrate: 'whatMigrate' };

/**
 * whoText names who made a change: a member of staff by their name, the
 * map's own writers in words (the initial data, plain SQL, an upgrade).
 */
export function whoText(who, i18n) {
  const { t } = i18n;
  if (who === 'seed' || who === 'system') return t('actorSystem');
  if (who === 'migration') return t('whatMigrate');
  if (who.startsWith('sql:')) return t('actorSQL');
  if (who.startsWith('import:')) return t('actorImport', { name: who.slice(7) });
  return who;
}

/** whatText says what a change did: "边界调整", "修改空闲车位"; by seed, "初始数据". */
export function whatText(reason, op, changed, layer, i18n, who = '') {
  const { t } = i18n;
  if (who === 'seed') return t('whatSeed');
  if (REASONS[reason]) return t(REASONS[reason]);
  if (op === 'insert') return t('whatCreate');
  if (op === 'delete') return t('whatDelete');
  const fields = (changed || []).map((f) => (f === 'geometry' ? t('shape') : i18n.field(layer, f)));
  return t('whatChange', { fields: fields.length ? i18n.list(fields) : '' }).trim();
}

/**
 * createHistory fills list (an <ol>) with a feature's history.
 * ctx: { api, i18n, onShowChange(id), onRevert(version) | null }.
 * Returns { load(layer, id, currentVersion, revertable), clear() }.
 */
export function createHistory(list, { api, i18n, onShowChange, onRevert }) {
  let shown = null; // { layer, entries, current, revertable }

  function render() {
    list.replaceChildren();
    if (!shown) return;
    const { t } = i18n;
    for (const h of shown.entries.slice().reverse()) {
      const what = whatText(h.reason, h.op, h.changed, shown.layer, i18n, h.who);
      let line = t('historyLine', { v: h.version, what, who: whoText(h.who, i18n), when: whenText(h.at, i18n.lang()) });
      if (h.with?.length) line += ` · ${t('historyWith', { names: namesText(h.with, i18n, h.with_count || h.with.length) })}`;
      const li = el('li', '', el('span', 'line', line));
      if (h.comment) li.append(el('q', 'comment', h.comment));
      const actions = el('span', 'actions');
      if (h.change_set) {
        const b = button('link', () => onShowChange(h.change_set), t('showChange'));
        b.dataset.changeSet = String(h.change_set);
        actions.append(b);
      }
      if (shown.revertable && h.op !== 'delete' && h.version !== shown.current) {
        const b = button('link', () => onRevert(h.version), t('revert'));
        b.dataset.version = String(h.version);
        actions.append(b);
      }
      if (actions.childNodes.length) li.append(actions);
      li.dataset.version = String(h.version);
      if (h.change_set) li.dataset.changeSet = String(h.change_set);
      list.append(li);
    }
  }

  i18n.onChange(render);

  return {
    async load(layer, id, current, revertable) {
      const r = await api.call('GET', `collections/${layer}/items/${id}/history`);
      shown = r.ok ? { layer, entries: r.data.entries, current, revertable } : null;
      render();
    },
    clear() {
      shown = null;
      render();
    },
  };
}

/**
 * createChangeSetView shows one change set in box: who, when, why, every
 * feature before and after (on the map, by show(items)), what changed
 * since, and a button that undoes it as a whole (with a comment).
 * ctx: { api, i18n, show(items), hide(), onUndone(answer) }.
 * Returns { open(id), close(), current() }.
 */
export function createChangeSetView(box, { api, i18n, show, hide, onUndone }) {
  let cs = null;
  let message = null; // { kind, text, later }

  function render() {
    box.replaceChildren();
    box.hidden = !cs;
    if (!cs) return;
    const { t } = i18n;
    const what = whatText(cs.reason, cs.features.length === 1 ? cs.features[0].op : 'update', cs.features.length === 1 ? cs.features[0].changed : [], cs.features[0]?.layer, i18n, cs.who);
    box.append(
      el('div', 'box-head', el('h3', '', t('csTitle', { id: cs.id })), button('close', close, t('close'))),
      el('p', '', `${what} · ${whoText(cs.who, i18n)} · ${whenText(cs.at, i18n.lang())}`),
    );
    if (cs.comment) box.append(el('q', 'comment', cs.comment));
    if (cs.proposal) box.append(el('p', 'muted', t('csProposal', { id: cs.proposal })));
    box.append(el('ul', 'cs-features', ...cs.features.map((f) => {
      const name = nameOf(f, i18n);
      const text = f.op === 'insert' ? t('csNew', { name }) : f.op === 'delete' ? t('csGone', { name }) : t('csFeature', { name, from: f.old_version, to: f.version });
      return el('li', '', text);
    })));
    box.append(el('p', 'muted', t('legendBefore')));
    if (cs.reverted_by) box.append(el('p', 'muted', t('csRevertedBy', { id: cs.reverted_by })));
    const later = message?.later || (cs.blocking.length ? cs.blocking : null);
    if (later) {
      box.append(el('p', 'error', t('csLater')), el('ul', 'later', ...later.map((c) => el('li', '',
        t('csLaterLine', { name: nameOf(c.feature, i18n), v: c.version, who: whoText(c.who, i18n), when: whenText(c.at, i18n.lang()) })))));
    }
    if (cs.revertible && !message?.later) {
      const comment = el('textarea', 'cs-comment');
      comment.rows = 2;
      comment.placeholder = t('commentPlaceholder');
      comment.setAttribute('aria-label', t('comment'));
      const go = button('primary', async () => {
        go.disabled = true;
        const r = await api.call('POST', `api/changesets/${cs.id}/revert`, { headers: { 'If-Match': cs.etag }, query: { comment: comment.value.trim() } });
        go.disabled = false;
        if (r.ok) {
          message = { kind: 'ok', text: t('csUndone', { id: r.data.change_set }) };
          const undone = r.data;
          await open(cs.id, true);
          onUndone(undone);
          return;
        }
        message = { kind: 'error', text: problemText(r, i18n), later: r.status === 409 ? r.data?.later : null };
        render();
      }, t('csUndo'));
      go.dataset.action = 'undo-change-set';
      box.append(el('label', 'comment-label', el('span', '', t('comment')), comment), go);
    }
    if (message) box.append(el('p', message.kind === 'ok' ? 'ok' : 'error', message.text));
  }

  async function open(id, keepMessage) {
    const r = await api.call('GET', `api/changesets/${id}`);
    if (!keepMessage) message = null;
    cs = r.ok ? r.data : null;
    if (cs) show(cs.features.filter((f) => f.before || f.after).map((f) => ({ before: f.before, after: f.after })));
    render();
  }

  function close() {
    cs = null;
    message = null;
    hide();
    render();
  }

  i18n.onChange(render);
  return { open, close, current: () => cs };
}
