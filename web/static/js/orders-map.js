// orders-map.js: residents' open orders on the map's grids. A switch in
// the layers panel colours each grid by its published orders still open
// (none: clear; more: from amber to red) and writes the count on its field
// ("待办 3"), from /api/grids/open-orders, kept current as orders change.
// The pins themselves are the style's layer orders-pin, from the tiles.
//
// mountOrders(app, root) is called by app.js with the panel's body.

import { el, button } from './dom.js';
import { readable } from './reading.js';
import { SOURCE, ORDER_COUNTS_SOURCE, ORDER_COUNTS_LAYER, ORDERS_HEAT_LAYER } from './style.js';

const REFRESH_MS = 500; // a burst of changes refetches once

// The grids coloured by their open orders: the feature state "open" of
// each grid of the tiles, which this module sets.
const HEAT = {
  type: 'fill',
  source: SOURCE,
  'source-layer': 'grids',
  layout: { visibility: 'none' },
  paint: {
    'fill-color': ['interpolate', ['linear'], ['coalesce', ['feature-state', 'open'], 0],
      0, 'rgba(255,255,255,0)', 1, 'rgba(255,179,0,0.40)', 5, 'rgba(211,47,47,0.55)'],
  },
};

// The count on each grid's field, in the page's language.
const COUNTS = {
  type: 'symbol',
  source: ORDER_COUNTS_SOURCE,
  minzoom: 12,
  layout: {
    visibility: 'none',
    'text-field': ['case', ['==', ['global-state', 'lang'], 'en'],
      ['concat', ['to-string', ['get', 'open']], ' open'], ['concat', '待办 ', ['to-string', ['get', 'open']]]],
    'text-font': ['Noto Sans CJK SC Bold', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'sans-serif'],
    'text-size': 14,
    'text-offset': [0, 1.4],
    'text-allow-overlap': true,
  },
  paint: { 'text-color': '#b71c1c', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
};

/** mountOrders adds the grids' open orders and their switch to the map page. */
export function mountOrders(app, root) {
  const { map, i18n } = app;
  let on = false;
  let timer = 0;
  if (!map.getSource(ORDER_COUNTS_SOURCE)) map.addSource(ORDER_COUNTS_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  const below = map.getLayer('grids-casing') ? 'grids-casing' : undefined;
  if (!map.getLayer(ORDERS_HEAT_LAYER)) map.addLayer({ ...HEAT, id: ORDERS_HEAT_LAYER }, below);
  if (!map.getLayer(ORDER_COUNTS_LAYER)) map.addLayer(readable(map, { ...COUNTS, id: ORDER_COUNTS_LAYER }));

  const load = async () => {
    const url = new URL('api/grids/open-orders', document.baseURI);
    const res = await fetch(url);
    if (!res.ok) return;
    const { grids } = await res.json();
    for (const g of grids) map.setFeatureState({ source: SOURCE, sourceLayer: 'grids', id: g.id }, { open: g.open, overdue: g.overdue });
    map.getSource(ORDER_COUNTS_SOURCE).setData({
      type: 'FeatureCollection',
      features: grids.filter((g) => g.open > 0).map((g) => ({
        type: 'Feature', id: g.id, geometry: { type: 'Point', coordinates: g.point }, properties: { code: g.code, open: g.open },
      })),
    });
    document.documentElement.dataset.gridOrders = String(grids.reduce((n, g) => n + g.open, 0));
  };

  const name = el('span', 'layer-name');
  const toggle = button('orders-heat-toggle', () => set(!on), el('span', 'swatch swatch-orders-heat'), name, el('span', 'layer-check'));
  toggle.setAttribute('aria-pressed', 'false');
  (root.querySelector('.layer-list') || root).append(toggle);
  const label = () => { name.textContent = i18n.t('ordersHeat'); };
  label();
  i18n.onChange(label);

  function set(value) {
    on = value;
    toggle.setAttribute('aria-pressed', String(on));
    for (const id of [ORDERS_HEAT_LAYER, ORDER_COUNTS_LAYER]) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
    if (on) load().catch((err) => console.warn('orders:', err.message));
  }

  window.addEventListener('partymap:change', (e) => {
    if (!on || e.detail?.layer !== 'orders') return;
    clearTimeout(timer);
    timer = setTimeout(() => load().catch((err) => console.warn('orders:', err.message)), REFRESH_MS);
  });
  // A tile that loads again (an edit of a grid) forgets no state: the
  // feature state lives with the source, by feature id.
  return { set, load };
}
