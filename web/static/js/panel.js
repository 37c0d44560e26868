// The layer panel: a switch for each thematic layer and the view by
// organization level (street → community → grid → building), peeling the
// flags like the four-level structure of the community's party building.
// The layers' names are the catalogue's, from the server.

import { el, button } from './dom.js';
import { iconURL } from './icons.js';
import { GROUPS, STATE } from './style.js';

/** The icon beside each group's switch; groups without one show a colour swatch. */
const GROUP_ICONS = { organizations: 'flag-2', posts: 'post-cabin', parking: 'parking' };

/** Style layer ids by group, from each layer's "partymap:group" metadata. */
export function layersByGroup(map) {
  const groups = {};
  for (const l of map.getStyle().layers) {
    const g = l.metadata?.['partymap:group'];
    if (g) (groups[g] ||= []).push(l.id);
  }
  return groups;
}

/**
 * Builds the panel into root. ctx: { map, i18n, isKiosk }.
 * Returns { setGroup(name, on), setLevel(n), reset(), groupOn(name), level() }.
 */
export function createPanel(root, ctx) {
  const { map, i18n } = ctx;
  const byGroup = layersByGroup(map);
  const on = Object.fromEntries(GROUPS.map((g) => [g, true]));
  let level = 4;

  const list = el('div', 'layer-list');
  list.setAttribute('role', 'group');
  const buttons = {};
  for (const group of GROUPS) {
    const sw = el('span', `swatch swatch-${group}`);
    if (GROUP_ICONS[group]) {
      const img = el('img');
      img.src = iconURL(GROUP_ICONS[group]);
      img.alt = '';
      sw.append(img);
    }
    const b = button('layer-toggle', () => setGroup(group, !on[group]), sw, el('span', 'layer-name'), el('span', 'layer-check'));
    b.dataset.group = group;
    b.setAttribute('aria-pressed', 'true');
    buttons[group] = b;
    list.append(b);
  }

  const levelTitle = el('h2', 'panel-title'); // after the page's h1: no level skipped
  const levels = el('div', 'level-view');
  levels.setAttribute('role', 'radiogroup');
  const levelButtons = [];
  for (let n = 1; n <= 4; n++) {
    const flag = el('img', 'level-flag');
    flag.src = iconURL(`flag-${n}`);
    flag.alt = '';
    const b = button('level-step', () => setLevel(n, true), flag, el('span', 'level-name'));
    b.dataset.level = String(n);
    b.setAttribute('role', 'radio');
    levelButtons.push(b);
    levels.append(b);
  }
  const layersTitle = el('h2', 'panel-title');
  root.append(layersTitle, list, levelTitle, levels);

  function setGroup(group, value) {
    on[group] = value;
    for (const id of byGroup[group] || []) {
      map.setLayoutProperty(id, 'visibility', value ? 'visible' : 'none');
    }
    // flags drawn as part of other layers' labels follow the switch too
    if (STATE.includes(group)) map.setGlobalStateProperty(group, value);
    buttons[group].setAttribute('aria-pressed', String(value));
  }

  function setLevel(n, user) {
    level = n;
    map.setGlobalStateProperty('maxLevel', n);
    for (const b of levelButtons) {
      const bn = Number(b.dataset.level);
      b.setAttribute('aria-checked', String(bn === n));
      b.classList.toggle('within', bn <= n);
    }
    if (user && n > 0 && !on.organizations) setGroup('organizations', true);
    // building groups fly from z16: come close enough to see them
    if (user && n === 4 && map.getZoom() < 16) map.easeTo({ zoom: 16.2, duration: 800 });
  }

  function labels() {
    layersTitle.textContent = i18n.t('layers');
    levelTitle.textContent = i18n.t('levelView');
    for (const [group, b] of Object.entries(buttons)) {
      b.querySelector('.layer-name').textContent = i18n.layer(group);
      b.title = i18n.layer(group);
    }
    levelButtons.forEach((b, i) => {
      b.querySelector('.level-name').textContent = i18n.t(`level${i + 1}`);
    });
  }

  labels();
  setLevel(4, false);
  i18n.onChange(labels);

  return {
    setGroup,
    setLevel: (n) => setLevel(n, false),
    groupOn: (g) => on[g],
    level: () => level,
    reset() {
      for (const g of GROUPS) if (!on[g]) setGroup(g, true);
      if (level !== 4) setLevel(4, false);
    },
  };
}
