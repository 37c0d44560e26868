// The finder: big service buttons (the services posts offer, then parking), the nearest
// places with their distance and walk, a line to each on the map, "which
// grid am I in", and a name search. The kiosk searches from where it
// stands; a phone from the browser's position, or from a point tapped on
// the map when the browser cannot tell. Parking free spaces follow the
// server's event stream live, as the page's one stream (live.js) hands it
// on: "partymap:parking" ({id, free, capacity}) and "partymap:live"
// ('connected' | 'reconnecting') events on window.
//
// mountFind(app) is called once by the viewer (app.js) on the first tap of
// "查找 / Find"; see app.js for the app object. Its words are in the one
// table (i18n.js); the services it offers, in their order and with their
// names, and the layers' names are the catalogue's, from the server.

import { Marker } from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { el, button } from './dom.js';
import { glyph, serviceGlyph } from './icons.js';

const ROUTE_SOURCE = 'finder-routes';

/** Mounts the finder into app.panel; returns { run(service), setOrigin(lonlat, source), state }. */
export function mountFind(app) {
  loadStyles();
  const { map, panel, i18n } = app;
  const t = i18n.t;
  // the services of the posts, in the catalogue's (the finder's) order, then parking
  const services = [...i18n.values('posts', 'services').map((s) => s.value), 'parking'];
  const serviceName = (s) => (s === 'parking' ? i18n.layer('parking') : i18n.value('posts', 'services', s));

  const state = {
    origin: app.isKiosk && app.kioskPosition ? { lonlat: app.kioskPosition, source: 'kiosk' } : null,
    service: null, // the service button pressed last
    openOnly: true,
    results: null, // the last /api/nearest answer
    error: '',
    busy: false,
    locate: null, // the last /api/locate answer
    hits: null, // the last /api/search answer
    pendingService: null, // a service waiting for the phone's position
    keepRoutes: false,
  };
  const markers = [];
  let originMarker = null;
  let request = null;

  // ---- the panel's skeleton ----
  const root = el('div', 'finder');
  const title = el('h2', 'finder-title');
  const origin = el('div', 'finder-origin');
  const originText = el('p', 'finder-origin-text');
  const originButtons = el('div', 'finder-origin-buttons');
  const gpsButton = button('finder-gps', () => useLocation());
  const tapButton = button('finder-tap', () => startTap());
  originButtons.append(gpsButton, tapButton);
  origin.append(originText, originButtons);
  if (app.isKiosk && app.kioskPosition) originButtons.hidden = true;

  const grid = el('div', 'finder-services');
  grid.setAttribute('role', 'group');
  const serviceButtons = services.map((service) => {
    const b = button('finder-service', () => run(service), glyph(serviceGlyph(service), { cls: 'finder-glyph' }), el('span', 'finder-service-name'));
    b.dataset.service = service;
    grid.append(b);
    return b;
  });

  const openRow = el('label', 'finder-open');
  const openBox = el('input');
  openBox.type = 'checkbox';
  openBox.checked = true;
  openBox.addEventListener('change', () => {
    state.openOnly = openBox.checked;
    if (state.service) run(state.service);
  });
  const openText = el('span');
  openRow.append(openBox, openText);

  const status = el('p', 'finder-status');
  status.setAttribute('role', 'status');
  const list = el('ol', 'finder-results');

  const locateButton = button('finder-locate', () => locate());
  const locateBox = el('div', 'finder-locate-answer');

  const searchLabel = el('label', 'finder-search');
  const searchText = el('span', 'finder-search-label');
  const searchInput = el('input');
  searchInput.type = 'search';
  searchInput.enterKeyHint = 'search';
  searchInput.autocomplete = 'off';
  searchLabel.append(searchText, searchInput);
  const hitList = el('ul', 'finder-hits');
  let searchTimer = 0;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(searchInput.value), 250);
  });

  root.append(title, origin, grid, openRow, status, list, locateButton, locateBox, searchLabel, hitList);
  panel.replaceChildren(root);

  // ---- rendering ----
  function render() {
    title.textContent = t('findTitle');
    originText.textContent = state.origin ? t({ kiosk: 'fromKiosk', gps: 'fromGPS', tap: 'fromTap' }[state.origin.source]) : t('noOrigin');
    origin.classList.toggle('unset', !state.origin);
    gpsButton.textContent = t('useLocation');
    tapButton.textContent = t('tapMap');
    services.forEach((service, i) => {
      const b = serviceButtons[i];
      b.querySelector('.finder-service-name').textContent = serviceName(service);
      b.setAttribute('aria-pressed', String(state.service === service));
    });
    openText.textContent = t('openOnly');
    status.textContent = state.busy ? t('searching') : state.error;
    renderResults();
    locateButton.textContent = t('whichGrid');
    renderLocate();
    searchText.textContent = t('searchLabel');
    searchInput.placeholder = t('searchPlaceholder');
    renderHits();
  }

  function renderResults() {
    list.replaceChildren();
    const fc = state.results;
    if (!fc || state.busy) return;
    if (!fc.features.length) {
      status.textContent = fc.open_now ? t('nothingOpen') : t('nothing');
      return;
    }
    fc.features.forEach((f, i) => {
      const p = f.properties;
      const li = el('li', 'finder-result');
      li.dataset.layer = p.layer;
      li.dataset.id = String(f.id);
      const b = button('finder-result-button', () => choose(f));
      const rank = el('span', 'finder-rank', String(i + 1));
      const body = el('span', 'finder-result-body');
      const [name, other] = i18n.names(p);
      const meta = el('span', 'finder-result-meta',
        el('strong', 'finder-distance', distance(p.distance_m)), ` · ${t('walk', { n: p.walking_min })} · ${direction(p.direction_en)}`);
      body.append(el('span', 'finder-result-name', name), el('span', 'finder-result-other', other), meta);
      if (p.layer === 'parking') {
        const full = !(p.free > 0);
        body.append(el('span', `finder-free${full ? ' full' : ''}`, full ? t('full') : t('spacesFree', { free: p.free, capacity: p.capacity })));
      } else if (p.open_now !== null && p.open_now !== undefined) {
        body.append(el('span', `finder-open-badge ${p.open_now ? 'open' : 'closed'}`, `${p.open_now ? t('openNow') : t('closedNow')} ${p.hours}`));
      }
      b.append(rank, body);
      li.append(b);
      list.append(li);
    });
  }

  function renderLocate() {
    locateBox.replaceChildren();
    const a = state.locate;
    if (!a) return;
    locateBox.append(el('p', 'finder-locate-message', i18n.pick(a.message_zh, a.message_en)));
    if (!a.grid) return;
    const g = a.grid.properties;
    const leader = t('labelled', { label: i18n.field('grids', 'leader_zh'), value: `${i18n.pick(g.leader_zh, g.leader_en)} ${g.leader_phone}` });
    locateBox.append(button('finder-locate-grid', () => { hide(); app.openCard('grids', a.grid.id); },
      el('strong', '', `${i18n.names(g)[0]} · ${g.code}`),
      el('span', '', leader),
      el('span', '', i18n.pick(g.branch_zh, g.branch_en))));
  }

  function renderHits() {
    hitList.replaceChildren();
    if (!state.hits) return;
    if (!state.hits.length) {
      hitList.append(el('li', 'finder-hit-none', t('noHits')));
      return;
    }
    for (const h of state.hits) {
      hitList.append(el('li', 'finder-hit', button('finder-hit-button', () => { hide(); app.openCard(h.layer, h.id); },
        el('span', 'finder-hit-name', i18n.names(h)[0]),
        el('span', 'finder-hit-layer', i18n.item(h.layer)))));
    }
  }

  function distance(m) {
    if (m >= 1000) return t('nKilometres', { n: (m / 1000).toFixed(1) });
    return t('nMetres', { n: Math.round(m) });
  }

  function direction(d) {
    return t('towards', { d: t(`dir${d}`) });
  }

  // ---- the questions ----
  async function run(service) {
    state.service = service;
    if (!state.origin) {
      state.pendingService = service;
      render();
      useLocation();
      return;
    }
    const q = new URLSearchParams({ lon: String(state.origin.lonlat[0]), lat: String(state.origin.lonlat[1]), limit: '5' });
    if (service === 'parking') {
      q.set('layer', 'parking');
      q.set('min_free', '1');
    } else {
      q.set('service', service);
    }
    if (state.openOnly) q.set('open_now', 'true');
    state.busy = true;
    state.error = '';
    render();
    try {
      state.results = await getJSON(`api/nearest?${q}`);
      drawRoutes();
    } catch (err) {
      if (err.name === 'AbortError') return;
      state.results = null;
      state.error = err.detail || t('findFailed');
      clearRoutes();
    }
    state.busy = false;
    render();
  }

  async function locate() {
    if (!state.origin) {
      state.pendingService = 'locate';
      useLocation();
      return;
    }
    try {
      const [lon, lat] = state.origin.lonlat;
      state.locate = await getJSON(`api/locate?lon=${lon}&lat=${lat}`, false);
    } catch (err) {
      const message = err.detail || t('findFailed');
      state.locate = { message_zh: message, message_en: message };
    }
    render();
  }

  async function search(text) {
    text = text.trim();
    const oneHan = /^\p{Script=Han}$/u.test(text);
    if (!text || (text.length < 2 && !oneHan)) {
      state.hits = null;
      render();
      return;
    }
    try {
      // within the page's community, when it shows one
      const within = app.community?.() ? `&community=${encodeURIComponent(app.community())}` : '';
      const a = await getJSON(`api/search?q=${encodeURIComponent(text)}&limit=8${within}`, false);
      if (searchInput.value.trim() === text) state.hits = a.hits;
    } catch {
      state.hits = [];
    }
    render();
  }

  async function getJSON(path, abortPrevious = true) {
    let signal;
    if (abortPrevious) {
      request?.abort();
      request = new AbortController();
      signal = request.signal;
    }
    const res = await fetch(new URL(path, document.baseURI), { signal, headers: { Accept: 'application/json, application/geo+json' } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(body.detail || res.statusText), { detail: body.detail });
    return body;
  }

  // ---- where the visitor is ----
  function setOrigin(lonlat, source) {
    state.origin = { lonlat, source };
    if (source !== 'kiosk') {
      if (!originMarker) {
        const dot = el('div', 'finder-you');
        originMarker = new Marker({ element: dot }).setLngLat(lonlat).addTo(map);
      } else {
        originMarker.setLngLat(lonlat);
      }
    }
    const pending = state.pendingService;
    state.pendingService = null;
    render();
    if (pending === 'locate') locate();
    else if (pending) run(pending);
    else if (state.service) run(state.service);
  }

  function useLocation() {
    if (!navigator.geolocation) {
      state.error = t('noLocation');
      render();
      startTap();
      return;
    }
    state.error = t('locating');
    render();
    navigator.geolocation.getCurrentPosition(
      (pos) => { state.error = ''; setOrigin([pos.coords.longitude, pos.coords.latitude], 'gps'); },
      () => { state.error = t('noLocation'); render(); startTap(); },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 },
    );
  }

  // startTap covers the map with a layer that takes one tap as the origin,
  // so that the tap does not also open a card.
  function startTap() {
    document.querySelector('.finder-tap-layer')?.remove();
    const layer = el('div', 'finder-tap-layer');
    layer.append(el('div', 'finder-tap-hint', el('span', '', t('tapHint')), button('finder-tap-cancel', () => layer.remove(), t('cancel'))));
    let down = null;
    layer.addEventListener('pointerdown', (e) => { down = [e.clientX, e.clientY]; });
    layer.addEventListener('pointerup', (e) => {
      if (!down || e.target !== layer || Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 12) return;
      const box = map.getContainer().getBoundingClientRect();
      const at = map.unproject([e.clientX - box.left, e.clientY - box.top]);
      layer.remove();
      state.error = '';
      setOrigin([at.lng, at.lat], 'tap');
    });
    document.body.append(layer);
  }

  // ---- the map: a line from the visitor to each place, numbered pins ----
  function drawRoutes() {
    clearRoutes();
    const fc = state.results;
    if (!fc?.features.length) return;
    const from = [fc.origin.lon, fc.origin.lat];
    const lines = fc.features.map((f, i) => ({
      type: 'Feature',
      properties: { rank: i + 1 },
      geometry: { type: 'LineString', coordinates: [from, f.properties.target] },
    }));
    const data = { type: 'FeatureCollection', features: lines };
    if (map.getSource(ROUTE_SOURCE)) {
      map.getSource(ROUTE_SOURCE).setData(data);
    } else {
      map.addSource(ROUTE_SOURCE, { type: 'geojson', data });
      map.addLayer({
        id: 'finder-route-casing', type: 'line', source: ROUTE_SOURCE,
        layout: { 'line-cap': 'round' },
        paint: { 'line-color': '#ffffff', 'line-width': ['case', ['==', ['get', 'rank'], 1], 9, 6], 'line-opacity': 0.9 },
      });
      map.addLayer({
        id: 'finder-route', type: 'line', source: ROUTE_SOURCE,
        layout: { 'line-cap': 'round' },
        paint: {
          'line-color': ['case', ['==', ['get', 'rank'], 1], '#1565c0', '#5c8fd6'],
          'line-width': ['case', ['==', ['get', 'rank'], 1], 5, 3],
          'line-dasharray': [1.5, 1.2],
        },
      });
    }
    fc.features.forEach((f, i) => {
      const pin = el('button', `finder-pin${i === 0 ? ' first' : ''}`, String(i + 1));
      pin.type = 'button';
      pin.setAttribute('aria-label', i18n.names(f.properties)[0]);
      pin.addEventListener('click', (e) => { e.stopPropagation(); choose(f); });
      markers.push(new Marker({ element: pin, anchor: 'bottom' }).setLngLat(f.properties.target).addTo(map));
    });
    frame([from, ...fc.features.map((f) => f.properties.target)]);
  }

  // frame fits the points into the part of the map the panel leaves free.
  // On a tilted map fitBounds is approximate, so it steps out until every
  // point shows.
  function frame(points) {
    const pad = fitPadding();
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const mid = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], {
      padding: pad, maxZoom: 17.5, duration: 1000, essential: true,
    });
    let tries = 3;
    const check = () => {
      const c = map.getContainer();
      const fits = points.every((p) => {
        const q = map.project(p);
        return q.x >= pad.left * 0.6 && q.x <= c.clientWidth - pad.right * 0.8 && q.y >= pad.top * 0.6 && q.y <= c.clientHeight - pad.bottom;
      });
      if (fits || --tries < 0) return;
      map.once('moveend', check);
      map.easeTo({ center: mid, zoom: map.getZoom() - 0.5, padding: pad, duration: 400, essential: true });
    };
    map.once('moveend', check);
  }

  function clearRoutes() {
    while (markers.length) markers.pop().remove();
    map.getSource(ROUTE_SOURCE)?.setData({ type: 'FeatureCollection', features: [] });
  }

  // fitPadding leaves room for the panel's sheet: at the bottom on a
  // phone, at the side on wide screens and on the kiosk (whose own panel
  // also covers the left edge).
  function fitPadding() {
    const c = map.getContainer().getBoundingClientRect();
    const sheet = (panel.closest('.sheet') || panel).getBoundingClientRect();
    const pad = { top: 80, bottom: 40, left: app.isKiosk ? 380 : 40, right: 40 };
    if (sheet.width >= c.width * 0.8) pad.bottom = Math.max(40, Math.round(c.bottom - sheet.top) + 30);
    else if (sheet.width > 0) pad.right = Math.max(40, Math.round(c.right - sheet.left) + 30);
    return pad;
  }

  // choose clears the lines and pins, closes the panel, opens the place's
  // card and draws the walk there from where the question was asked.
  function choose(f) {
    const from = state.origin && state.origin.source !== 'kiosk' ? state.origin.lonlat : undefined;
    clearRoutes();
    hide();
    app.walkTo(f.properties.layer, f.id, from);
  }

  function hide() {
    state.keepRoutes = true;
    app.hidePanel();
    state.keepRoutes = false;
  }

  // Closing the panel clears the map; on the kiosk it also forgets the
  // last visitor's question.
  app.onPanelHide(() => {
    document.querySelector('.finder-tap-layer')?.remove();
    if (state.keepRoutes) return;
    clearRoutes();
    if (app.isKiosk) {
      Object.assign(state, { service: null, results: null, locate: null, hits: null, error: '', openOnly: true });
      openBox.checked = true;
      searchInput.value = '';
      render();
    }
  });

  // ---- live parking, from the page's event stream (live.js) ----
  let requery = 0;
  function onParking(p) {
    const fc = state.results;
    if (!fc || fc.layer !== 'parking') return;
    const f = fc.features.find((x) => x.id === p.id);
    if (f) {
      f.properties.free = p.free;
      f.properties.capacity = p.capacity;
      renderResults();
    }
    // a car park that filled up or freed up changes the answer: ask again
    if ((f && p.free < 1) || (!f && p.free > 0)) {
      clearTimeout(requery);
      requery = setTimeout(() => { if (state.service === 'parking') run('parking'); }, 400);
    }
  }
  window.addEventListener('partymap:parking', (ev) => onParking(ev.detail));
  // (re)connected: what changed while the stream was away is in a fresh answer
  window.addEventListener('partymap:live', (ev) => {
    root.dataset.live = ev.detail;
    if (ev.detail === 'connected' && state.service === 'parking' && state.results && !state.busy) run('parking');
  });
  if (document.documentElement.dataset.live) root.dataset.live = document.documentElement.dataset.live;

  app.onLangChange(render);
  render();
  return { run, setOrigin, state };
}

function loadStyles() {
  const href = new URL('../css/find.css', import.meta.url).href;
  if ([...document.styleSheets].some((s) => s.href === href) || document.querySelector(`link[href="${href}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}
