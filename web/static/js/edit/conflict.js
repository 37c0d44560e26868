// The banner over the editor's map when a colleague saves what one has
// open: who, when, what they changed (their outline drawn beside one's
// own), and the two honest ways on: take theirs, or rebase mine onto
// theirs, the result shown and checked before it can be saved, a choice
// per vertex where both moved the same one.

import { el, button } from '../dom.js';
import { whenText } from './history.js';

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
