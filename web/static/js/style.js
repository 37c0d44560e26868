// What the viewer's code expects of the map's style (web/style/style.json):
// sources and layer ids it reads or filters. The Go test TestStyle_viewerNames
// imports this module with node and checks each one against the style.

/** The vector tile source. */
export const SOURCE = 'partymap';
/** Source layers of the tiles derived by the server: the flags' poles and one label point per area. */
export const POLES_LAYER = 'flag_poles';
export const LABELS_LAYER = 'labels';
/**
 * The city overview's labels, each community's name and counts: a source
 * city.js adds at run time from /api/communities (the style itself holds
 * only the server's tiles), drawn by its layer OVERVIEW_LAYER.
 */
export const OVERVIEW_SOURCE = 'community-labels';
export const OVERVIEW_LAYER = 'communities-label';

/**
 * Residents' open orders by grid (orders-map.js): a layer over the grids'
 * tiles coloured by a feature state the page sets, and a source and
 * layer the page adds at run time with each grid's count.
 */
export const ORDERS_HEAT_LAYER = 'grids-orders-heat';
export const ORDER_COUNTS_SOURCE = 'grid-order-counts';
export const ORDER_COUNTS_LAYER = 'grid-order-counts';

/** Tap priority: points first (with a tolerance box), then areas under the finger. */
export const POINT_LAYERS = ['org-flags-top', 'org-flags', 'org-poles', 'orders-pin', 'posts-symbol', 'parking-symbol'];
export const AREA_LAYERS = ['buildings-3d', 'parking-fill', 'compounds-fill', 'landmarks-fill', 'streets-fill', 'grids-fill', 'communities-fill'];
/**
 * Labels a tap may hit, standing for their areas (the tiles' label points
 * carry the area's layer and id): a grid is chosen by its name.
 */
export const LABEL_LAYERS = ['grids-label', 'compounds-label', 'landmarks-label', 'landmarks-label-temple'];
/**
 * The selected feature drawn again on top of everything (filtered by the
 * global state "selected"): these stay the last layers of the map, above
 * what the viewer adds at run time (tap.js keepSelectionOnTop).
 */
export const SELECTION_LAYERS = ['posts-selected-halo', 'posts-selected-top', 'org-selected-top'];
/**
 * The room the kiosk's "you are here" marker takes (an HTML marker, over
 * the map and outside its placement): an invisible icon of its size kept
 * just beneath the selection's layers, so that it is placed before every
 * label and they keep out from under the marker (kiosk.js, tap.js).
 */
export const HERE_ROOM_LAYER = 'here-room';
/** Areas under everything else: a tap on them alone opens them, but they never make a choice. */
export const BACKGROUND_LAYERS = ['streets-fill', 'grids-fill', 'communities-fill'];

/**
 * The layer panel's groups, top to bottom: style layers carry metadata
 * "partymap:group" with one of these (a catalogue layer's name), and the
 * panel turns each group on and off.
 */
export const GROUPS = ['organizations', 'grids', 'compounds', 'buildings', 'posts', 'parking', 'orders'];

/**
 * The style's global state the viewer sets: the labels' language, the
 * flags' deepest level, the community the page shows (others are
 * dimmed; "" for none), the feature whose card is open ("posts/3",
 * drawn again on top of everything; "" for none) and whether the
 * organizations' layer is switched on (the flags drawn in the city's
 * community labels follow it).
 */
export const STATE = ['lang', 'maxLevel', 'community', 'selected', 'organizations'];
