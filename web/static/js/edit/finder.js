// Finding a grid: one's own grids first, then every other, each with its
// code and name; typing a code or a name narrows the list, Enter picks the
// first match. Picking one flies the map to it and selects it.

import { el, button } from '../dom.js';

/**
 * createGridFinder fills box (a search field and a list). ctx: { i18n,
 * grids() (the grids' features), mine(code), pick(id) }. Returns
 * { render() }, to call when the grids or the user change.
 */
export function createGridFinder(box, { i18n, grids, mine, pick }) {
  const input = el('input', 'grid-search');
  input.type = 'search';
  input.id = 'grid-search';
  const label = el('label', 'grid-search-label', el('span', '', ''), input);
  const list = el('div', 'grid-list');
  list.id = 'grid-list';
  const title = el('h2', '', '');
  box.replaceChildren(title, label, list);

  const norm = (s) => String(s || '').toLowerCase().replace(/\s+/g, '');
  const matches = (f, q) => !q || [f.properties.code, f.properties.name_zh, f.properties.name_en].some((v) => norm(v).includes(q));

  function render() {
    const { t } = i18n;
    title.textContent = t('findGrid');
    label.firstChild.textContent = t('gridSearch');
    input.placeholder = t('gridSearchPlaceholder');
    const q = norm(input.value);
    const all = (grids() || []).filter((f) => matches(f, q)).sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
    const own = all.filter((f) => mine(f.properties.code));
    const rest = all.filter((f) => !mine(f.properties.code));
    const entry = (f) => {
      const p = f.properties;
      const b = button(`grid-entry${mine(p.code) ? ' mine' : ''}`, () => pick(f.id), el('span', 'code', p.code), ' ', el('span', 'name', i18n.pick(p.name_zh, p.name_en)));
      if (!mine(p.code)) b.append(' ', el('span', 'tag', t('notMine')));
      b.dataset.grid = p.code;
      return b;
    };
    // One who looks after every grid sees them all, under one heading.
    const everyGrid = (grids() || []).every((f) => mine(f.properties.code));
    list.replaceChildren();
    if (own.length) list.append(el('h3', '', everyGrid ? t('allGrids') : t('myGrids')), ...own.map(entry));
    if (rest.length) list.append(el('h3', '', t('otherGrids')), ...rest.map(entry));
    if (!all.length) list.append(el('p', 'muted', t('noGridMatch')));
  }

  input.addEventListener('input', render);
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const first = list.querySelector('button.grid-entry');
    if (first) first.click();
  });
  i18n.onChange(render);
  return { render, input };
}
