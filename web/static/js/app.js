/**
 * partymap's public map: one page, two modes. /map/ is the phone mode
 * (responsive, cards in a bottom sheet, deep links #layer/id, share link);
 * /kiosk (or ?kiosk=1) is the street kiosk (full screen, big buttons,
 * "you are here", idle reset, QR codes on cards).
 *
 * Page parameters: ?lang=zh|en, ?kiosk=1, and for the kiosk ?idle=SECONDS
 * (overrides the server's idle time) and ?attract=1 (slow rotation when idle).
 *
 * The `app` object, handed to optional modules such as the finder
 * (./find.js exports mountFind(app); the "查找 / Find" button imports it on
 * first use and calls mountFind(app) once), and exposed as window.partymap:
 *
 *   app.map               the maplibregl.Map
 *   app.lang()            "zh" | "en", the current language
 *   app.onLangChange(fn)  calls fn(lang) after each switch; returns an unsubscribe function
 *   app.t(key, vars)      a string of the viewer in the current language (see i18n.js)
 *   app.i18n              the page's language state: t(), and the catalogue's labels
 *                         (layer(), item(), field(), value(), values(), names(), pick())
 *   app.config            /viewer-config.json: title, bounds, home, kiosk, layers
 *   app.openCard(layer, id)  opens the card of a feature (any OGC collection: organizations,
 *                         grids, compounds, buildings, posts, parking, landmarks, streets),
 *                         highlights it and flies to it; resolves to the GeoJSON feature or null
 *   app.closeCard()       closes the card
 *   app.flyTo([lon, lat], zoom)  moves the camera there, keeping the tilt and bearing
 *   app.kioskPosition     [lon, lat] where the kiosk stands, or null (phones)
 *   app.isKiosk           true in kiosk mode
 *   app.panel             the element the finder renders into: empty at mount, shown
 *                         in a sheet (phone) or side panel (kiosk) with its own close button
 *   app.showPanel() / app.hidePanel()  open or close that sheet
 *   app.onPanelHide(fn)   calls fn() when the sheet closes (the kiosk closes it when idle)
 *   app.home()            flies back to the home view
 *   app.ready             a promise resolved once the map has loaded
 *   app.firstIdle         ms from navigation to the map's first idle (0 until then)
 *   app.tileRequests()    the addresses of the latest tile requests, newest last
 */

import { Map as MapLibreMap } from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { loadConfig, boundsAround } from './config.js';
import { byId, el } from './dom.js';
import { createI18n, initialLang } from './i18n.js';
import { iconURL } from './icons.js';
import { createCards } from './cards.js';
import { createPanel } from './panel.js';
import { createCameraButtons, createNorthArrow, addHereMarker, watchIdle } from './kiosk.js';
import { createTopbarMenu } from './topbar.js';
import { followChanges, transformRequest, recentTileRequests } from './live.js';
import { SOURCE, POLES_LAYER } from './style.js';
import { createRouter } from './route.js';
import { startOffline } from './offline.js';
import { startDeclutter } from './declutter.js';
import { sizeForReading } from './reading.js';
import { createTap, keepSelectionOnTop } from './tap.js';

// How close the camera comes to a feature whose card opens from a link.
const FOCUS_ZOOM = { organizations: 17, posts: 17.2, parking: 17, buildings: 17.3, compounds: 16.8, grids: 16.2, landmarks: 16.2, streets: 15.8 };

/** start builds the map page: boot.js calls it once the modules have loaded. */
export async function start() {
  const params = new URLSearchParams(location.search);
  const isKiosk = document.documentElement.dataset.mode === 'kiosk' || params.get('kiosk') === '1';
  document.documentElement.dataset.mode = isKiosk ? 'kiosk' : 'phone';
  const cfg = await loadConfig();
  // the kiosk starts in Chinese; a phone keeps its choice, else follows the
  // phone's own language on a first visit (an English phone opens in English)
  const i18n = createI18n(cfg, initialLang({ session: !isKiosk, browser: !isKiosk }));
  // a phone keeps what it has seen, for when the signal drops
  const keepOffline = isKiosk ? () => {} : startOffline(i18n);
  const $ = byId;
  const container = $('map');
  // The problem wall: on the kiosk, as its panel (a QR code to the form).
  if (isKiosk && $('wall-link')) $('wall-link').href = 'wall?kiosk=1';

  const homeView = () => frame(cfg.home, container, isKiosk);
  const start = homeView();
  // A map of several communities opens on one (?c=CODE, the kiosk's own)
  // or on the whole city, and may be stepped out of (city.js).
  const city = cfg.communities > 1;
  let community = cfg.community || null;
  const map = new MapLibreMap({
    container,
    style: new URL(`style.json?lang=${i18n.lang()}`, document.baseURI).href,
    center: start.center,
    zoom: start.zoom,
    bearing: start.bearing,
    pitch: start.pitch,
    // software rendering on the kiosk: few pixels, no antialiasing, no fades
    pixelRatio: Math.min(window.devicePixelRatio || 1, isKiosk ? 1 : 2),
    canvasContextAttributes: { antialias: false, powerPreference: 'low-power' },
    fadeDuration: 0,
    attributionControl: false,
    maxPitch: 70,
    minZoom: city ? 10 : 13,
    maxZoom: 19.5,
    // the camera stays around what the tiles draw
    maxBounds: boundsAround(cfg.bounds),
    dragRotate: true,
    touchPitch: true,
    cooperativeGestures: false,
    // a tile a change touched is asked for at that change's version
    transformRequest,
  });
  map.setPadding(start.padding);
  const brandFlag = el('img');
  brandFlag.src = iconURL('flag-1');
  brandFlag.alt = '';
  $('brand-flag').append(brandFlag);
  // edits made anywhere (staff, sensors, plain SQL) show without a reload
  map.once('load', () => followChanges(map));

  const card = $('card');
  const toast = (text) => {
    const t = $('toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 2200);
  };

  let selected = null;
  let calm = null; // the gathered flags (declutter.js), once the map has loaded
  // what a tap means: one thing, or a choice when it hits several (tap.js)
  const tap = createTap(map, { tol: isKiosk ? 16 : 10, calm: () => calm });
  // the style's global state can be set from the map's first load on
  let styleReady = false;
  map.once('load', () => { styleReady = true; });
  const select = (layer, id) => {
    if (selected) setSelected(map, selected.layer, selected.id, false);
    selected = layer ? { layer, id } : null;
    if (selected) setSelected(map, layer, id, true);
    // the selected post or flag drawn again on top of everything (style.json)
    if (styleReady) map.setGlobalStateProperty('selected', selected ? `${layer}/${id}` : '');
  };

  // the walk to a card's place (route.js), framed beside the card
  const router = createRouter({
    map, i18n, isKiosk,
    kioskPosition: cfg.kiosk?.position ?? null,
    padding: () => cardPadding(map, isKiosk),
  });
  const cards = createCards({
    i18n,
    isKiosk,
    root: card,
    toast,
    walk: (layer, id, from) => router.walk(layer, id, from),
    routeLink: (layer, id) => router.link(layer, id),
    onOpen(layer, id) {
      select(layer, id);
      // the address names the open card (a shared walk's keeps naming the
      // walk), on this page with its query (language, community): a
      // reload, a bookmark or a saved copy without signal opens the same
      const walking = new RegExp(`^#route/${layer}/${id}(@|$)`).test(location.hash);
      if (!isKiosk && !walking) history.replaceState(null, '', `${location.pathname}${location.search}#${layer}/${id}`);
      document.body.classList.add('card-open');
    },
    onClose() {
      select(null);
      router.clear();
      if (!isKiosk && location.hash) history.replaceState(null, '', location.pathname + location.search);
      document.body.classList.remove('card-open');
    },
    openLinked: (layer, id) => openCard(layer, id),
  });

  async function openCard(layer, id, { fly = true } = {}) {
    const f = await cards.open(layer, id);
    if (f && fly) focus(map, layer, f, isKiosk);
    return f;
  }

  // home is the page's community framed as the home view turns and tilts
  // it, the whole city from above, or (a map of one community) the
  // configured home view.
  const homeCamera = () => {
    const b = community ? community.bounds : city ? cfg.bounds : null;
    if (!Array.isArray(b)) return homeView();
    const v = homeView();
    const pitch = community ? v.pitch : 0;
    const bearing = community ? v.bearing : 0;
    // framed from above, then tilted about its centre as the home view is
    const cam = map.cameraForBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, bearing, pitch: 0 });
    return cam ? { ...cam, zoom: cam.zoom + (community ? 0.4 : 0), bearing, pitch } : v;
  };
  const goHome = () => {
    map.flyTo({ ...homeCamera(), duration: 2200, essential: true });
  };
  if (community || city) map.jumpTo(homeCamera());

  // the finder's sheet
  const findSheet = $('find-sheet');
  const findBody = $('find-body');
  const panelHideListeners = new Set();
  const showPanel = () => {
    findSheet.hidden = false;
    document.body.classList.add('find-open');
  };
  const hidePanel = () => {
    if (findSheet.hidden) return;
    findSheet.hidden = true;
    document.body.classList.remove('find-open');
    for (const fn of [...panelHideListeners]) fn();
  };
  $('find-close').addEventListener('click', hidePanel);

  const app = {
    map,
    lang: i18n.lang,
    onLangChange: i18n.onChange,
    t: i18n.t,
    i18n,
    config: cfg,
    openCard: (layer, id) => openCard(layer, id),
    closeCard: () => cards.close(),
    /** walkTo opens a feature's card and draws the walk there (from [lon, lat] when given); resolves to /api/route's answer. */
    async walkTo(layer, id, from) {
      const f = await openCard(layer, id, { fly: false });
      return f ? cards.walk(from) : null;
    },
    flyTo: (lonlat, zoom) => map.flyTo({ center: lonlat, zoom: zoom ?? Math.max(map.getZoom(), 16.5), duration: 1500, essential: true }),
    kioskPosition: cfg.kiosk?.position ?? null,
    isKiosk,
    panel: findBody,
    showPanel,
    hidePanel,
    onPanelHide: (fn) => { panelHideListeners.add(fn); return () => panelHideListeners.delete(fn); },
    home: goHome,
    /** The code of the community the page shows, or null for the whole map. */
    community: () => community?.code ?? null,
    /** setCommunity makes a community ({code, name, bounds}) the page's own: title, home, ?c=. */
    setCommunity(c) {
      community = c;
      cfg.title = c.name;
      if (styleReady) map.setGlobalStateProperty('community', c.code);
      applyLang(i18n.lang());
      if (!isKiosk) {
        const q = new URLSearchParams(location.search);
        q.set('c', c.code);
        history.replaceState(null, '', `${location.pathname}?${q}${location.hash}`);
      }
    },
    ready: new Promise((resolve) => map.once('load', resolve)),
    cardState: () => cards.current(),
    /** What a tap at x, y (CSS pixels in the map) would open: { layer, id }, { badge } (gathered flags), { choice: [...] } (several things) or null. */
    pickAt: (x, y) => tap.at({ x, y }),
    firstIdle: 0,
    /** The addresses of the latest tile requests, newest last (live.js). */
    tileRequests: recentTileRequests,
  };
  window.partymap = app;
  // load-to-idle, ms since navigation: what the kiosk's first view costs
  map.once('idle', () => { app.firstIdle = performance.now(); });

  // language everywhere: page, panel, map labels, cards
  const applyLang = (l) => {
    i18n.translate(document, { name: i18n.title() });
    document.title = i18n.t('mapTitle', { name: i18n.title() });
    // isStyleLoaded() is false while tiles load (after a visitor's Find):
    // the labels would stay in the last visitor's language (issue 15)
    if (styleReady) map.setGlobalStateProperty('lang', l);
  };
  i18n.onChange(applyLang);
  applyLang(i18n.lang());
  $('lang').addEventListener('click', () => i18n.setLang(i18n.lang() === 'zh' ? 'en' : 'zh'));
  // the phone's top bar: the layers, What's on and the wall behind a menu (topbar.js)
  createTopbarMenu($('more'), $('more-menu'));

  // the finder is another module, loaded on first use
  let finder = null;
  $('find').addEventListener('click', async () => {
    if (!findSheet.hidden) { hidePanel(); return; }
    cards.close();
    showPanel();
    if (!finder) {
      finder = import('./find.js').then((m) => m.mountFind(app)).catch((err) => {
        finder = null;
        console.warn('finder:', err.message);
        findBody.textContent = i18n.t('findUnavailable');
      });
    }
  });

  await app.ready;
  // the map's own requests (its worker's) for the offline copy
  const keepMap = () => keepOffline([`style.json?lang=${i18n.lang()}`, 'tiles.json', 'sprite.json', 'sprite.png', 'sprite@2x.json', 'sprite@2x.png', ...recentTileRequests()]);
  map.once('idle', keepMap);
  setTimeout(keepMap, 2500);
  map.setGlobalStateProperty('lang', i18n.lang());
  if (community) map.setGlobalStateProperty('community', community.code);

  // the kiosk's labels sized for reading standing a metre away (reading.js)
  if (isKiosk) sizeForReading(map);
  // the place whose card is open stays drawn over everything (tap.js)
  keepSelectionOnTop(map);
  // the units' flags gathered into badges, beneath every label (declutter.js)
  calm = startDeclutter(map, { before: 'streets-label', source: SOURCE, sourceLayer: 'organizations' });
  const panel = createPanel($('layers-body'), { map, i18n, isKiosk });
  // Residents' open orders on the grids: a switch under the layers.
  import('./orders-map.js').then((m) => { app.orders = m.mountOrders(app, $('layers-body')); }).catch((err) => console.warn('orders:', err.message));
  $('layers').addEventListener('click', () => {
    // on a phone the sheets share the bottom: the layers replace the card
    // and Find rather than open beneath them (issue 15)
    if (!isKiosk && !document.body.classList.contains('layers-open')) {
      cards.close();
      hidePanel();
    }
    document.body.classList.toggle('layers-open');
  });
  $('layers-close').addEventListener('click', () => document.body.classList.remove('layers-open'));

  // the activities column: today's markers, the What's on sheet
  import('./whatson.js').then((m) => { app.whatsOn = m.mountWhatsOn(app); }).catch((err) => console.warn('whatson:', err.message));
  if (isKiosk) import('./echo.js').then((m) => { app.echo = m.mountEcho(app); }).catch((err) => console.warn('echo:', err.message));

  // the city's overview and its steps, on a map of several communities
  if (city) {
    import('./city.js').then((m) => { app.city = m.mountCity(app); }).catch((err) => console.warn('city:', err.message));
  }

  map.on('click', (e) => {
    const f = app.pickAt(e.point.x, e.point.y);
    if (f?.badge) {
      calm.expand(f.badge);
      return;
    }
    // a community's field at low zoom: city.js enters it
    if (f && f.layer === 'communities') return;
    if (!f) {
      cards.close();
      return;
    }
    hidePanel();
    if (f.choice) {
      cards.choose(f.choice);
      return;
    }
    openCard(f.layer, f.id, { fly: false });
  });

  // the north arrow, on the kiosk and phones (kiosk.js)
  $('camera').append(createNorthArrow(map, i18n));
  if (isKiosk) {
    createCameraButtons($('camera'), { map, i18n, goHome });
    if (app.kioskPosition) addHereMarker(map, i18n, app.kioskPosition);
    const idle = Number(params.get('idle')) > 0 ? Number(params.get('idle')) : cfg.kiosk?.idleSeconds || 90;
    watchIdle({
      map,
      idleSeconds: idle,
      attract: params.get('attract') === '1',
      showcaseSeconds: Number(params.get('showcase')) > 0 ? Number(params.get('showcase')) : undefined,
      // what the idle kiosk shows in turn: today's activities (whatson.js),
      // then the newest answers of the echo wall (echo.js)
      showcases: () => [app.whatsOn, app.echo].filter(Boolean).map((s) => ({ show: s.open, hide: s.close })),
      reset() {
        cards.close();
        hidePanel();
        app.whatsOn?.close();
        app.echo?.close();
        document.body.classList.remove('layers-open');
        panel.reset();
        i18n.setLang('zh');
        goHome();
      },
    });
    document.addEventListener('contextmenu', (e) => e.preventDefault());
  } else {
    const fromHash = () => {
      const m = /^#([a-z]+)\/(\d+)$/.exec(location.hash);
      if (m) openCard(m[1], Number(m[2]));
      // a walk shared from the kiosk: #route/posts/3@lon,lat
      const r = /^#route\/([a-z_]+)\/(\d+)(?:@(-?[\d.]+),(-?[\d.]+))?$/.exec(location.hash);
      if (r) app.walkTo(r[1], Number(r[2]), r[3] ? [Number(r[3]), Number(r[4])] : undefined);
    };
    window.addEventListener('hashchange', fromHash);
    fromHash();
  }
  document.body.classList.add('ready');
}

// frame adapts the home view to the screen. The configured zoom frames the
// community on a 1600×900 map; smaller screens step out, within limits. The
// kiosk's side panel covers the left edge, and a tilted view shows more of
// the far side: padding moves the centre to the middle of what is left.
function frame(home, el, kiosk) {
  const w = el.clientWidth || window.innerWidth;
  const h = el.clientHeight || window.innerHeight;
  const left = kiosk ? 340 : 0;
  const portrait = h > w;
  const scale = Math.min((w - left) / 1600, h / 900);
  const zoom = home.zoom + Math.log2(Math.max(scale, 0.05));
  return {
    center: home.center,
    zoom: Math.min(Math.max(zoom, home.zoom - (portrait ? 0.75 : 1.5)), home.zoom + 0.6),
    bearing: home.bearing,
    pitch: portrait ? Math.min(home.pitch, 52) : home.pitch,
    padding: { top: 0, right: 0, left, bottom: Math.round(h * (portrait ? 0.16 : 0.14)) },
  };
}

// cardPadding leaves room for the card: at the side on the kiosk, above
// the bottom sheet on phones.
function cardPadding(map, kiosk) {
  const box = map.getContainer().getBoundingClientRect();
  if (kiosk) return { top: 60, bottom: 60, left: 380, right: 500 };
  const card = document.getElementById('card').getBoundingClientRect();
  const covered = card.height ? box.bottom - card.top + 16 : box.height * 0.5;
  // top: below the top bar and the north arrow under it (kiosk.js)
  return { top: 116, bottom: Math.round(Math.min(covered, box.height * 0.62)), left: 30, right: 30 };
}

function setSelected(map, layer, id, on) {
  map.setFeatureState({ source: SOURCE, sourceLayer: layer, id }, { selected: on });
  if (layer === 'organizations') {
    map.setFeatureState({ source: SOURCE, sourceLayer: POLES_LAYER, id }, { selected: on });
  }
}

// focus flies to a feature whose card opened from a link, leaving room for
// the card: at the side on the kiosk, above the bottom sheet on phones.
function focus(map, layer, feature, kiosk) {
  const c = centre(feature.geometry);
  if (!c) return;
  const el = map.getContainer();
  const padding = kiosk
    ? { top: 40, bottom: 40, left: 380, right: 460 }
    : { top: 60, bottom: Math.round(el.clientHeight * 0.45), left: 20, right: 20 };
  map.flyTo({ center: c, zoom: Math.max(FOCUS_ZOOM[layer] ?? 16.5, Math.min(map.getZoom(), 18)), padding, duration: 1400, essential: true });
}

function centre(g) {
  if (!g) return null;
  if (g.type === 'Point') return g.coordinates;
  const coords = g.type === 'LineString' ? g.coordinates : g.type === 'Polygon' ? g.coordinates[0] : null;
  if (!coords?.length) return null;
  if (g.type === 'LineString') return coords[Math.floor(coords.length / 2)];
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of coords) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}
