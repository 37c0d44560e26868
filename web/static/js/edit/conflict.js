// The banner over the editor's map when a colleague saves what one has
// open: who, when, what they changed (their outline drawn beside one's
// own), and the two honest ways on: take theirs, or rebase mine onto
// theirs, the result shown and checked before it can be saved, a choice
// per vertex where both moved the same one.

import { byId, el, button } from '../dom.js';
import { boundsOf, drawShape, showMarks, showTheirs } from './grid.js';
import { whenText } from './history.js';
import { rebase, theirChanges } from './rebase.js';

/**
 * createBanner renders into box (an element over the map). ctx: { i18n,
 * takeTheirs(), rebaseMine(), choose(id, 'mine' | 'theirs'), dismiss() }.
 * Returns { show(view), hide() }, view being { who, at, version, name,
 * deleted, changes: {moved, added, removed}, dirty, taken, rebase:
 * { conflicts, choices, mineKept } | null, impossible }.
 */
export function createBanner(box, { i18n, takeTheirs, rebaseMine, choose, dismiss }) {
  let view = null;

  function render() {
    box.replaceChildren();
    box.hidden = !view;
    if (!view) return;
    const { t } = i18n;
    const v = view;
    const when = whenText(v.at, i18n.lang());
    box.append(el('p', 'banner-who', v.deleted ? t('theirDeleted', { who: v.who, name: v.name }) : t('theirSave', { who: v.who, when, v: v.version, name: v.name })));
    if (!v.deleted) {
      const c = v.changes;
      box.append(el('p', '', c.moved + c.added + c.removed ? t('theirMoves', c) : t('theirNoShape')));
    }
    const actions = el('div', 'actions');
    const act = (name, cls, fn, label) => {
      const b = button(cls, fn, label);
      b.dataset.action = name;
      actions.append(b);
    };
    if (v.impossible) box.append(el('p', 'error', t('rebaseImpossible')));
    if (v.rebase) {
      box.append(el('h3', '', t('rebaseTitle')), el('p', '', t('rebaseSummary', { mine: v.rebase.mineKept })));
      v.rebase.conflicts.forEach((c, n) => {
        const choice = v.rebase.choices[c.id];
        const pick = (which, label) => {
          const b = button(`choice${choice === which ? ' on' : ''}`, () => choose(c.id, which), label);
          b.dataset.conflict = c.id;
          b.dataset.choice = which;
          b.setAttribute('aria-pressed', String(choice === which));
          return b;
        };
        box.append(el('div', 'conflict-choice', el('span', '', t('rebaseConflict', { n: n + 1 })), pick('mine', t('useMine')), pick('theirs', t('useTheirs'))));
      });
      if (v.rebase.conflicts.some((c) => !v.rebase.choices[c.id])) box.append(el('p', 'error', t('chooseEach')));
      act('take-theirs', '', takeTheirs, t('takeTheirs'));
    } else if (v.dirty && !v.deleted) {
      box.append(el('p', '', t('yourEdits')));
      act('take-theirs', '', takeTheirs, t('takeTheirs'));
      if (!v.impossible) act('rebase', 'primary', rebaseMine, t('rebaseMine'));
    } else {
      if (v.taken) box.append(el('p', 'muted', t('theirTaken')));
      act('dismiss', '', dismiss, t('dismiss'));
    }
    box.append(actions);
  }

  i18n.onChange(render);
  return {
    show(next) {
      view = next;
      render();
    },
    hide() {
      view = null;
      render();
    },
    current: () => view,
  };
}

/**
 * createConflicts follows a colleague's saves of what is open, and offers
 * the two honest ways on, with the banner in box. ctx: { api, i18n, map,
 * state (the editor's), undo, ring() (a grid is edited), select(id, opts),
 * setCheck(check), changed(), fit(bounds, maxZoom), isDirty(),
 * showSelection(), versionOf(etag) }. Returns { theirChange(change),
 * theirsArrived(version), hide() }: a change event of the open feature, or
 * the newer version a 412 named.
 */
export function createConflicts(box, { api, i18n, map, state, undo, ring, select, setCheck, changed, fit, isDirty, showSelection, versionOf }) {
  const banner = createBanner(box, {
    i18n,
    takeTheirs: () => takeTheirs(),
    rebaseMine: () => rebaseMine(),
    choose: (id, which) => choose(id, which),
    dismiss: () => {
      banner.hide();
      showTheirs(map, null);
    },
  });

  async function theirChange(c) {
    const [item, hist] = await Promise.all([
      c.op === 'delete' ? null : api.call('GET', `collections/${state.mode}/items/${state.sel.id}`),
      api.call('GET', `collections/${state.mode}/items/${state.sel.id}/history`),
    ]);
    const last = hist.ok ? hist.data.entries[hist.data.entries.length - 1] : null;
    const who = last?.who || '';
    const at = last?.at || new Date().toISOString();
    if (c.op === 'delete') {
      theirsArrived({ deleted: true, who, at, version: c.version });
      return;
    }
    if (!item.ok) return;
    theirsArrived({ etag: item.etag, version: versionOf(item.etag), feature: item.data, who, at });
  }

  // theirsArrived shows a colleague's newer version: at once in the
  // banner, their outline on the map beside one's own.
  async function theirsArrived(th) {
    if (!state.sel || (th.version && th.version <= state.sel.version && !th.deleted)) return;
    const name = i18n.names(state.sel.feature.properties)[0];
    const dirty = isDirty();
    if (th.deleted) {
      banner.show({ ...th, name, deleted: true, changes: { moved: 0, added: 0, removed: 0 } });
      return;
    }
    const theirRing = ring() ? th.feature.geometry.coordinates[0].slice(0, -1) : null;
    state.theirs = { ...th, ring: theirRing };
    const changes = theirRing ? theirChanges(state.base.ring, theirRing) : { moved: [], added: [], removed: [], unanchored: false };
    const view = { who: th.who, at: th.at, version: th.version, name, dirty, changes: { moved: changes.moved.length, added: changes.added.length, removed: changes.removed.length } };
    if (!dirty) {
      // Nothing of one's own to lose: take theirs, and say so.
      await select(state.sel.id, { fit: false });
      state.theirs = null;
      banner.show({ ...view, taken: true });
      return;
    }
    view.impossible = !!changes.unanchored;
    if (theirRing) showTheirs(map, theirRing, [...changes.moved.map((m) => m.to), ...changes.added.map((a) => a.at)]);
    state.lastValid = false;
    setCheck(null);
    banner.show(view);
    showBoth();
  }

  // showBoth fits one's own outline and theirs below the banner.
  function showBoth() {
    const rings = [state.shape?.ring, state.theirs?.ring].filter(Boolean).map((r) => ({ coordinates: r }));
    fit(boundsOf(rings), 18);
  }

  async function takeTheirs() {
    banner.hide();
    await select(state.sel.id, { fit: false });
  }

  // rebaseMine re-applies one's own vertex changes onto their version and
  // checks the result; where both moved a vertex, the user chooses.
  function rebaseMine() {
    const th = state.theirs;
    if (!th) return;
    const r = rebase(state.base.ring, state.shape.ring, state.shape.origin, th.ring);
    if (!r) return;
    state.rebase = { r, choices: {} };
    state.base = { ring: r.base.map((p) => p.slice()) };
    Object.assign(state.sel, { etag: th.etag, version: th.version, feature: th.feature });
    undo.clear();
    showSelection();
    applyRebase();
    showBoth();
    byId('comment-box').scrollIntoView({ block: 'nearest' });
  }

  function choose(id, which) {
    if (!state.rebase) return;
    state.rebase.choices[id] = which;
    applyRebase();
  }

  function applyRebase() {
    const { r, choices } = state.rebase;
    const out = r.resolve(choices);
    Object.assign(state.shape, { ring: out.ring, origin: out.origin, active: undefined });
    drawShape(map, state.shape);
    showMarks(map, r.conflicts.map((c, i) => ({ at: c.mine || c.theirs, label: String(i + 1) })));
    const chosenMine = r.conflicts.filter((c) => choices[c.id] === 'mine').length;
    banner.show({ ...banner.current(), dirty: true, rebase: { conflicts: r.conflicts, choices, mineKept: r.mineKept + chosenMine } });
    changed();
  }

  return { theirChange, theirsArrived, hide: () => banner.hide() };
}
