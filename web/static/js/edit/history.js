// The editor's history panel: every version of the selected feature, newest
// first, each with who changed it, when and why, and a button that reverts
// to it.

import { el, button } from '../dom.js';

const OPS = { insert: 'opInsert', update: 'opUpdate', delete: 'opDelete' };
const REASONS = { edit: 'reasonEdit', revert: 'reasonRevert', restore: 'reasonRestore', import: 'reasonImport', reshape: 'reasonReshape', seed: 'reasonSeed' };

/**
 * createHistory fills list (an <ol>) with a feature's history.
 * ctx: { api, i18n, onRevert(version) }. Returns { load(layer, id, currentVersion), clear() }.
 */
export function createHistory(list, { api, i18n, onRevert }) {
  let shown = null; // { entries, current }

  function render() {
    list.replaceChildren();
    if (!shown) return;
    const { t } = i18n;
    const locale = i18n.lang() === 'en' ? 'en-GB' : 'zh-CN';
    for (const h of shown.entries.slice().reverse()) {
      const when = new Date(h.at).toLocaleString(locale, { hour12: false });
      const op = OPS[h.op] ? t(OPS[h.op]) : h.op;
      const reason = REASONS[h.reason] ? t(REASONS[h.reason]) : h.reason;
      const what = h.changed?.length ? ` · ${i18n.list(h.changed.map((f) => (f === 'geometry' ? t('shape') : i18n.field(shown.layer, f))))}` : '';
      const revert = h.op !== 'delete' && h.version !== shown.current
        ? button('', () => onRevert(h.version), t('revert'))
        : null;
      if (revert) revert.dataset.version = String(h.version);
      const li = el('li', '', t('historyLine', { v: h.version, op, reason, who: h.who, when }) + what, revert);
      li.dataset.version = String(h.version);
      list.append(li);
    }
  }

  i18n.onChange(render);

  return {
    async load(layer, id, current) {
      const r = await api.call('GET', `collections/${layer}/items/${id}/history`);
      shown = r.ok ? { layer, entries: r.data.entries, current } : null;
      render();
    },
    clear() {
      shown = null;
      render();
    },
  };
}
