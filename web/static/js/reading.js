// Labels sized for reading distance. The style's labels are sized for a
// phone held in the hand (10–13 px for streets, posts, compounds); a kiosk
// is read standing about a metre from a 1920×1080 screen, where those are
// too small (issue 15). Rather than a second style, the kiosk scales the
// one style's labels once it has loaded: every symbol layer's text-size
// grows by `scale` and is never below `min` px (grid names: `gridMin`).

/** Layers whose labels are larger still: a grid's name is what a visitor looks for first. */
const LARGER = ['grids-label'];

/** The maps sized for reading, with their scale. */
const reading = new WeakMap();

/**
 * sizeForReading scales the text of every symbol layer of the map's style;
 * labels added later (today's activities, the grids' open orders) pass
 * through readable() as they are added. (The city's overview keeps its
 * sizes: larger, fewer of its communities' labels would find room.)
 */
export function sizeForReading(map, { scale = 1.3, min = 16, gridMin = 20 } = {}) {
  reading.set(map, { scale, min });
  for (const layer of map.getStyle().layers) {
    if (layer.type !== 'symbol') continue;
    const size = map.getLayoutProperty(layer.id, 'text-size');
    if (size === undefined) continue;
    map.setLayoutProperty(layer.id, 'text-size', scaled(size, scale, LARGER.includes(layer.id) ? gridMin : min));
  }
}

/**
 * readable returns a label layer to add to map: as it is, or with its text
 * scaled when the map is sized for reading (the kiosk).
 */
export function readable(map, layer) {
  const r = reading.get(map);
  const size = layer.layout?.['text-size'];
  if (!r || size === undefined) return layer;
  return { ...layer, layout: { ...layer.layout, 'text-size': scaled(size, r.scale, r.min) } };
}

// scaled multiplies a text-size value or expression by k, at least min.
// A zoom curve keeps its zoom at the top (the style spec allows ["zoom"]
// only as the input of a top-level interpolate or step): its outputs are
// scaled, stop by stop.
export function scaled(v, k, min) {
  if (typeof v === 'number') return Math.max(min, Math.round(v * k * 10) / 10);
  if (Array.isArray(v) && v[0] === 'interpolate' && isZoom(v[2])) {
    return [...v.slice(0, 3), ...v.slice(3).map((x, i) => (i % 2 ? scaled(x, k, min) : x))];
  }
  if (Array.isArray(v) && v[0] === 'step' && isZoom(v[1])) {
    return [v[0], v[1], ...v.slice(2).map((x, i) => (i % 2 ? x : scaled(x, k, min)))];
  }
  return ['max', min, ['*', k, v]];
}

const isZoom = (e) => Array.isArray(e) && e[0] === 'zoom';
