// What a tap on the map means. A tap used to open the one thing first in
// a fixed order, so that a tap on a grid's middle (its name, and a compound
// and a building under it) silently opened the compound (issue 15). Now:
//
//   - an icon or flag exactly under the finger, alone, opens directly (a
//     tap on a post inside a compound means the post);
//   - a label stands for its area: a tap on a grid's name means the grid;
//   - when a tap hits several things (a label, icons, the compound or
//     building under them) the visitor is offered the choice;
//   - nothing but areas under the finger: the topmost opens, as before.
//
// Icons are looked for exactly under the finger first, then within `tol`
// pixels (a fingertip is wide). Streets, grids and communities as areas
// are the ground under everything: they open when nothing else is there,
// and never make a choice.
//
// createTap(map, { tol, calm }) (calm: a function giving declutter.js's
// controller, for its badges) returns at(point): { badge } (gathered
// flags), { layer, id } (one thing), { choice: [{ layer, id, properties
// }] } (several, topmost or nearest first) or null.

import { POLES_LAYER, POINT_LAYERS, AREA_LAYERS, LABEL_LAYERS, BACKGROUND_LAYERS, SELECTION_LAYERS, HERE_ROOM_LAYER } from './style.js';
import { UNIT_LAYER } from './declutter.js';

export function createTap(map, { tol, calm }) {
  const present = (ids) => ids.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');

  // hit is one thing a rendered feature stands for, or null.
  const hit = (f) => {
    if (LABEL_LAYERS.includes(f.layer.id)) {
      const { layer, id } = f.properties;
      return layer && id != null ? { layer, id: Number(id), properties: f.properties, label: true } : null;
    }
    const id = f.id ?? f.properties.id;
    if (id == null) return null;
    // the poles and the gathered units' flags are organizations too
    const layer = f.sourceLayer === POLES_LAYER || f.layer.id === UNIT_LAYER ? 'organizations' : f.sourceLayer;
    return { layer, id: Number(id), properties: f.properties };
  };
  const distinct = (list) => {
    const seen = new Set();
    return list.filter((h) => {
      const key = `${h.layer}/${h.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  };
  const box = (p, r) => [[p.x - r, p.y - r], [p.x + r, p.y + r]];
  // points lists the icons, flags and labels within r px: in the order
  // they are drawn, topmost first (as queryRenderedFeatures gives them),
  // or nearest first.
  const points = (p, r, nearest) => {
    const dist = (f) => {
      if (f.geometry.type !== 'Point') return 0;
      const q = map.project(f.geometry.coordinates);
      return Math.hypot(q.x - p.x, q.y - p.y);
    };
    let found = map.queryRenderedFeatures(box(p, r), { layers: present([...POINT_LAYERS, ...LABEL_LAYERS, UNIT_LAYER]) });
    if (nearest) found = found.map((f) => ({ f, d: dist(f) })).sort((a, b) => a.d - b.d).map(({ f }) => f);
    return distinct(found.map(hit).filter(Boolean));
  };

  function at(p) {
    const badge = calm?.()?.hit(p, tol);
    if (badge?.badge) return badge;
    // an icon or flag drawn on top exactly where the finger is: that one
    let near = points(p, 1, false);
    if (near.length && !near[0].label) return one(near[0]);
    if (!near.length) near = points(p, tol, true);
    const icons = near.filter((h) => !h.label);
    const labels = near.filter((h) => h.label);
    // the topmost area under the finger, in the order AREA_LAYERS gives
    const areas = map.queryRenderedFeatures([p.x, p.y], { layers: present(AREA_LAYERS) })
      .sort((a, b) => AREA_LAYERS.indexOf(a.layer.id) - AREA_LAYERS.indexOf(b.layer.id));
    const area = areas.length ? hit(areas[0]) : null;
    // what stands under the finger besides the ground: a building, its compound, a car park
    const solid = areas.filter((f) => !BACKGROUND_LAYERS.includes(f.layer.id)).map(hit).filter(Boolean);

    if (icons.length === 1 && !labels.length) return one(icons[0]);
    if (!icons.length && !labels.length) return area ? one(area) : null;
    const all = distinct([...near, ...solid]);
    return all.length === 1 ? one(all[0]) : { choice: all.map(({ layer, id, properties }) => ({ layer, id, properties })) };
  }
  const one = (h) => ({ layer: h.layer, id: h.id });

  return { at };
}

/**
 * keepSelectionOnTop keeps the selection's layers (SELECTION_LAYERS) the
 * last of the map: the walk's line, today's activities and the orders'
 * counts are added at run time above the style's layers, and the place
 * whose card is open must not be drawn beneath them (issue 15). The
 * kiosk's "you are here" room, once added, stays just beneath them.
 */
export function keepSelectionOnTop(map) {
  const keep = () => {
    const ids = [HERE_ROOM_LAYER, ...SELECTION_LAYERS].filter((id) => map.getLayer(id));
    const order = map.getLayersOrder();
    if (order.slice(-ids.length).join() === ids.join()) return;
    for (const id of ids) map.moveLayer(id);
  };
  map.on('styledata', keep);
  keep();
}
