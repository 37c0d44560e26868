// A calmer picture: the co-building units' and the business circle's flags
// (27 and one on the Xiyue data, many along the pedestrian street) are
// gathered into one badge with a count where they crowd, and spread out
// again as the map zooms in or the badge is tapped. They come from the
// vector tiles (the organizations layer), gathered here in a clustered
// GeoJSON source: vector tiles cannot be clustered by MapLibre. Every flag
// is drawn beneath the labels and icons (the style puts org-flags there
// too): a flag never hides a grid's name, the street's name, a post or a
// car park. The street committee's and community branch's flags stay on
// top of the other flags and labels (org-flags-top) and take part in
// placement: the grid names step aside from them, and the street's name
// and the icons, placed before them, are drawn over them where they meet.
//
// startDeclutter(map, { before, source, sourceLayer }) adds the layers
// beneath the layer `before` and keeps them filled; it returns
// { hit(point, tol), expand(badge) }.

/** The kinds of organization gathered into badges. */
export const GATHERED = ['co_building_unit', 'business_circle'];
/** The viewer's layers of the gathered flags. */
export const UNIT_SOURCE = 'unit-flags';
export const UNIT_LAYER = 'unit-flags';
export const BADGE_LAYER = 'unit-flags-badge';
const COUNT_LAYER = 'unit-flags-count';

export function startDeclutter(map, { before, source, sourceLayer }) {
  map.addSource(UNIT_SOURCE, {
    type: 'geojson',
    data: { type: 'FeatureCollection', features: [] },
    cluster: true,
    clusterRadius: 64,
    clusterMaxZoom: 17,
    clusterProperties: { minLevel: ['min', ['to-number', ['get', 'level'], 4]] },
  });
  const group = { 'partymap:group': 'organizations' };
  const shown = ['<=', ['to-number', ['get', 'level'], 4], ['global-state', 'maxLevel']];
  map.addLayer({
    id: UNIT_LAYER, type: 'symbol', source: UNIT_SOURCE, metadata: group,
    filter: ['all', ['!', ['has', 'point_count']], shown],
    layout: {
      'icon-image': 'flag-unit', 'icon-anchor': 'bottom-left',
      'icon-size': ['interpolate', ['linear'], ['zoom'], 13, 0.55, 16, 0.9, 18, 1.1],
      'icon-allow-overlap': true, 'icon-ignore-placement': true,
    },
  }, before);
  map.addLayer({
    id: BADGE_LAYER, type: 'circle', source: UNIT_SOURCE, metadata: group,
    filter: ['all', ['has', 'point_count'], ['<=', ['get', 'minLevel'], ['global-state', 'maxLevel']]],
    paint: {
      'circle-color': '#c62828', 'circle-radius': ['interpolate', ['linear'], ['get', 'point_count'], 2, 11, 20, 17],
      'circle-stroke-color': '#ffd54f', 'circle-stroke-width': 2.5, 'circle-pitch-alignment': 'viewport',
    },
  }, before);
  map.addLayer({
    id: COUNT_LAYER, type: 'symbol', source: UNIT_SOURCE, metadata: group,
    filter: ['all', ['has', 'point_count'], ['<=', ['get', 'minLevel'], ['global-state', 'maxLevel']]],
    layout: {
      'text-field': ['to-string', ['get', 'point_count']],
      'text-font': ['Noto Sans CJK SC Bold', 'Noto Sans CJK SC', 'sans-serif'],
      'text-size': 13, 'text-allow-overlap': true, 'text-ignore-placement': true,
    },
    paint: { 'text-color': '#ffffff' },
  }, before);

  // fill gathers the gathered kinds from the tiles loaded (one feature per
  // organization, though several tiles carry it).
  let timer = 0;
  let last = '';
  const fill = () => {
    const byId = new Map();
    for (const f of map.querySourceFeatures(source, { sourceLayer, filter: ['in', ['get', 'kind'], ['literal', GATHERED]] })) {
      const id = f.id ?? f.properties.id;
      if (id == null || byId.has(id) || f.geometry.type !== 'Point') continue;
      const { kind, level, name_zh: nameZh, name_en: nameEn } = f.properties;
      byId.set(id, { type: 'Feature', id, properties: { id, kind, level, name_zh: nameZh, name_en: nameEn }, geometry: f.geometry });
    }
    const key = [...byId.keys()].sort((a, b) => a - b).join(',');
    if (key === last) return;
    last = key;
    map.getSource(UNIT_SOURCE).setData({ type: 'FeatureCollection', features: [...byId.values()] });
  };
  map.on('sourcedata', (e) => {
    if (e.sourceId !== source || !e.isSourceLoaded) return;
    clearTimeout(timer);
    timer = setTimeout(fill, 150);
  });
  map.on('idle', fill);
  fill();

  /**
   * hit finds a gathered flag or badge under a tap: { layer, id, properties } for a
   * flag, { badge } for a badge; null for none.
   */
  function hit(point, tol) {
    const box = [[point.x - tol, point.y - tol], [point.x + tol, point.y + tol]];
    const badge = map.queryRenderedFeatures(box, { layers: [BADGE_LAYER] })[0];
    if (badge) return { badge };
    const flag = map.queryRenderedFeatures(box, { layers: [UNIT_LAYER] })[0];
    return flag ? { layer: 'organizations', id: Number(flag.properties.id), properties: flag.properties } : null;
  }

  /** expand zooms in on a badge until its flags spread out. */
  function expand(badge) {
    map.getSource(UNIT_SOURCE).getClusterExpansionZoom(badge.properties.cluster_id).then((zoom) => {
      map.easeTo({ center: badge.geometry.coordinates, zoom: Math.min(zoom + 0.2, 19), duration: 600, essential: true });
    });
  }
  return { hit, expand };
}
