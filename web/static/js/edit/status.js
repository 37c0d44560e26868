// The editor's status line: the last check or save of the edit, in the
// page's language: checking, nothing to save, ready (what it updates, by
// name), a proposal (to whom, the areas moved), saved, or refused (the
// server's sentence, or each broken rule; one drawn on the map flies there).

import { el } from '../dom.js';
import { boundsOf } from './grid.js';
import { nameOf } from './history.js';

/**
 * renderStatus writes check (null, or { kind, … }) into box. ctx: {
 * i18n, fit(bounds, maxZoom) }.
 */
export function renderStatus(box, c, { i18n, fit }) {
  const { t } = i18n;
  if (!c) {
    box.replaceChildren();
    return;
  }
  const change = (x) => {
    const name = x.name && (x.name.zh || x.name.en) ? i18n.pick(x.name.zh, x.name.en) : `${i18n.item(x.layer)} ${x.key || x.id}`;
    const note = i18n.pick(x.note_zh, x.note_en);
    return note ? t('labelled', { label: name, value: note }) : t('changeLine', { name, v: x.version });
  };
  switch (c.kind) {
    case 'checking': box.replaceChildren(el('p', 'muted', t('checking'))); break;
    case 'nothing': box.replaceChildren(el('p', 'muted', t('nothingToSave'))); break;
    case 'needComment': box.replaceChildren(el('p', 'error', t('needComment'))); break;
    case 'ready': box.replaceChildren(el('p', 'ok', t('readyToSave', { list: i18n.list(c.changes.filter((x) => !x.note_zh).map(change)) })),
      ...c.changes.filter((x) => x.note_zh).map((x) => el('p', 'muted', change(x)))); break;
    case 'propose': {
      const grids = i18n.list(c.grids.map((g) => nameOf(g, i18n)));
      box.replaceChildren(el('p', 'propose', t('proposeReady', { grids })), el('ul', 'areas', ...c.preview.filter((it) => it.feature.layer === 'grids')
        .map((it) => el('li', '', t('areaLine', { name: nameOf(it.feature, i18n), gain: Math.round(it.gained_m2), loss: Math.round(it.lost_m2) })))));
      break;
    }
    case 'saved': box.replaceChildren(el('p', 'ok', t('saved', { id: c.id }))); break;
    case 'proposed': box.replaceChildren(el('p', 'ok', t('proposed', { id: c.id, grids: i18n.list(c.grids.map((g) => nameOf(g, i18n))) }))); break;
    default: box.replaceChildren(el('p', 'error', t('refused')), c.violations.length
      ? el('ul', 'violations', ...c.violations.map((v) => {
        const li = el('li', '', i18n.pick(v.message_zh, v.message_en));
        if (v.geometry) {
          li.classList.add('on-map');
          li.tabIndex = 0;
          li.addEventListener('click', () => fit(boundsOf([v.geometry]), 19));
        }
        return li;
      }))
      : el('p', 'error', c.text));
  }

}
