// The finder: big service buttons (水/茶, 充电, 急救 …, 停车), the nearest
// places with their distance and walk, a line to each on the map, "which
// grid am I in", and a name search. The kiosk searches from where it
// stands; a phone from the browser's position, or from a point tapped on
// the map when the browser cannot tell. Parking free spaces follow the
// server's event stream live, as the page's one stream (live.js) hands it
// on: "partymap:parking" ({id, free, capacity}) and "partymap:live"
// ('connected' | 'reconnecting') events on window.
//
// mountFind(app) is called once by the viewer (app.js) on the first tap of
// "查找 / Find"; see app.js for the app object.

import { Marker } from '../vendor/maplibre-gl/maplibre-gl.mjs';

const SERVICES = [
  // [query, zh, en, icon]
  ['water', '水/茶', 'Water / tea', 'cup'],
  ['charging', '充电', 'Charging', 'bolt'],
  ['first_aid', '急救', 'First aid', 'cross'],
  ['umbrella', '雨伞', 'Umbrella', 'umbrella'],
  ['map', '地图', 'Map', 'map'],
  ['wifi', 'WiFi', 'Wi-Fi', 'wifi'],
  ['rest', '休息', 'Rest', 'seat'],
  ['parking', '停车', 'Parking', 'parking'],
];

const TEXT = {
  title: ['查找服务', 'Find a service'],
  fromKiosk: ['从本机位置出发', 'From this kiosk'],
  fromGPS: ['从您的位置出发', 'From your location'],
  fromTap: ['从地图上选的位置出发', 'From the point you tapped'],
  noOrigin: ['先告诉我们您在哪里', 'First tell us where you are'],
  useLocation: ['使用我的位置', 'Use my location'],
  tapMap: ['在地图上点选', 'Tap the map'],
  tapHint: ['请在地图上点一下您所在的位置', 'Tap the map where you are'],
  cancel: ['取消', 'Cancel'],
  locating: ['正在获取您的位置…', 'Finding your location…'],
  noLocation: ['无法获取您的位置，请在地图上点选。', 'Your location is not available; tap the map instead.'],
  openOnly: ['只看正在开放的', 'Open now only'],
  searching: ['正在查找…', 'Searching…'],
  nothing: ['附近没有符合条件的地点。', 'Nothing nearby matches.'],
  nothingOpen: ['现在没有开放的地点，可取消“只看正在开放的”。', 'Nothing is open now; untick “Open now only”.'],
  failed: ['暂时无法查找，请稍后再试。', 'Could not search now; please try again.'],
  nearestWith: ['最近的', 'Nearest'],
  parkingFree: ['有空位的最近停车场', 'Nearest parking with free spaces'],
  walk: ['步行约 {n} 分钟', '{n} min walk'],
  free: ['空余 {f} / {c} 个车位', '{f} of {c} spaces free'],
  full: ['已满', 'Full'],
  open: ['正在开放', 'Open now'],
  closed: ['现已关闭', 'Closed now'],
  whichGrid: ['我在哪个网格？', 'Which grid am I in?'],
  gridLeader: ['网格长', 'Grid leader'],
  searchLabel: ['搜索名称或网格编号', 'Search a name or grid code'],
  searchPlaceholder: ['如：驿站、停车、XY03', 'e.g. cabin, parking, XY03'],
  noHits: ['没有找到。', 'No match.'],
  dirN: ['北', 'north'], dirNE: ['东北', 'north-east'], dirE: ['东', 'east'], dirSE: ['东南', 'south-east'],
  dirS: ['南', 'south'], dirSW: ['西南', 'south-west'], dirW: ['西', 'west'], dirNW: ['西北', 'north-west'],
  towards: ['{d}方向', 'to the {d}'],
};

const LAYER_NAMES = {
  posts: ['服务站点', 'Service post'], parking: ['停车场', 'Car park'], grids: ['网格', 'Grid'],
  compounds: ['小区', 'Compound'], buildings: ['楼栋', 'Building'], organizations: ['党组织', 'Party organization'],
  landmarks: ['地标', 'Landmark'], streets: ['街道', 'Street'],
};

const ROUTE_SOURCE = 'finder-routes';

/** Mounts the finder into app.panel; returns { run(service), setOrigin(lonlat, source), state }. */
export function mountFind(app) {
  loadStyles();
  const { map, panel } = app;
  const zh = () => app.lang() !== 'en';
  const t = (key, vars = {}) => {
    const s = (TEXT[key] || [key, key])[zh() ? 0 : 1];
    return s.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  };

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
  const serviceButtons = SERVICES.map(([service, , , icon]) => {
    const b = button('finder-service', () => run(service));
    b.dataset.service = service;
    b.innerHTML = `${glyph(icon)}<span class="finder-service-zh"></span><span class="finder-service-en"></span>`;
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
    title.textContent = t('title');
    originText.textContent = state.origin ? t({ kiosk: 'fromKiosk', gps: 'fromGPS', tap: 'fromTap' }[state.origin.source]) : t('noOrigin');
    origin.classList.toggle('unset', !state.origin);
    gpsButton.textContent = t('useLocation');
    tapButton.textContent = t('tapMap');
    SERVICES.forEach(([service, zhName, enName], i) => {
      const b = serviceButtons[i];
      b.querySelector('.finder-service-zh').textContent = zh() ? zhName : enName;
      b.querySelector('.finder-service-en').textContent = zh() ? enName : zhName;
      b.setAttribute('aria-pressed', String(state.service === service));
      b.setAttribute('aria-label', `${zhName} ${enName}`);
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
      const name = el('span', 'finder-result-name', zh() ? p.name_zh : p.name_en);
      const other = el('span', 'finder-result-other', zh() ? p.name_en : p.name_zh);
      const meta = el('span', 'finder-result-meta');
      meta.append(el('strong', 'finder-distance', distance(p.distance_m)), ` · ${t('walk', { n: p.walking_min })} · ${direction(p.direction_en)}`);
      body.append(name, other, meta);
      if (p.layer === 'parking') {
        const full = !(p.free > 0);
        body.append(el('span', `finder-free${full ? ' full' : ''}`, full ? t('full') : t('free', { f: p.free, c: p.capacity })));
      } else if (p.open_now !== null && p.open_now !== undefined) {
        body.append(el('span', `finder-open-badge ${p.open_now ? 'open' : 'closed'}`, `${p.open_now ? t('open') : t('closed')} ${p.hours}`));
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
    locateBox.append(el('p', 'finder-locate-message', zh() ? a.message_zh : a.message_en));
    if (!a.grid) return;
    const g = a.grid.properties;
    const b = button('finder-locate-grid', () => { hide(); app.openCard('grids', a.grid.id); });
    b.append(el('strong', '', `${zh() ? g.name_zh : g.name_en} · ${g.code}`),
      el('span', '', `${t('gridLeader')}${zh() ? '：' : ': '}${zh() ? g.leader_zh : g.leader_en} ${g.leader_phone}`),
      el('span', '', zh() ? g.branch_zh : g.branch_en));
    locateBox.append(b);
  }

  function renderHits() {
    hitList.replaceChildren();
    if (!state.hits) return;
    if (!state.hits.length) {
      hitList.append(el('li', 'finder-hit-none', t('noHits')));
      return;
    }
    for (const h of state.hits) {
      const li = el('li', 'finder-hit');
      const b = button('finder-hit-button', () => { hide(); app.openCard(h.layer, h.id); });
      b.append(el('span', 'finder-hit-name', zh() ? h.name_zh : h.name_en),
        el('span', 'finder-hit-layer', (LAYER_NAMES[h.layer] || [h.layer, h.layer])[zh() ? 0 : 1]));
      li.append(b);
      hitList.append(li);
    }
  }

  function distance(m) {
    if (m >= 1000) return zh() ? `${(m / 1000).toFixed(1)} 公里` : `${(m / 1000).toFixed(1)} km`;
    return zh() ? `${Math.round(m)} 米` : `${Math.round(m)} m`;
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
      state.error = err.detail || t('failed');
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
      state.locate = { message_zh: err.detail || TEXT.failed[0], message_en: err.detail || TEXT.failed[1] };
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
      const a = await getJSON(`api/search?q=${encodeURIComponent(text)}&limit=8`, false);
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
    const hint = el('div', 'finder-tap-hint');
    hint.append(el('span', '', t('tapHint')));
    const cancel = button('finder-tap-cancel', () => layer.remove());
    cancel.textContent = t('cancel');
    hint.append(cancel);
    layer.append(hint);
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
      pin.setAttribute('aria-label', zh() ? f.properties.name_zh : f.properties.name_en);
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

  // choose keeps the line to one place, closes the panel and opens its card.
  function choose(f) {
    const lines = map.getSource(ROUTE_SOURCE);
    const rank = state.results.features.indexOf(f) + 1;
    lines?.setData({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { rank: 1 }, geometry: { type: 'LineString', coordinates: [[state.results.origin.lon, state.results.origin.lat], f.properties.target] } }],
    });
    markers.forEach((m, i) => { m.getElement().hidden = i + 1 !== rank; });
    hide();
    app.openCard(f.properties.layer, f.id);
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

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(cls, onClick) {
  const b = el('button', cls);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

// glyph draws a service's icon.
function glyph(name) {
  const paths = {
    cup: '<path d="M5 8h11v6a5 5 0 0 1-5 5h-1a5 5 0 0 1-5-5z"/><path d="M16 10h2a2 2 0 0 1 0 4h-2"/><path d="M9 2.5c-.8 1 .8 2 0 3M12 2.5c-.8 1 .8 2 0 3"/>',
    bolt: '<path d="M13 2 5 13h6l-1 9 8-11h-6z"/>',
    cross: '<rect x="3" y="3" width="18" height="18" rx="4"/><path d="M12 7v10M7 12h10"/>',
    umbrella: '<path d="M3 12a9 9 0 0 1 18 0z"/><path d="M12 12v7a2 2 0 0 1-4 0"/><path d="M12 3v0"/>',
    map: '<path d="M3 6l6-2 6 2 6-2v14l-6 2-6-2-6 2z"/><path d="M9 4v14M15 6v14"/>',
    wifi: '<path d="M2 9a15 15 0 0 1 20 0"/><path d="M5.5 12.5a10 10 0 0 1 13 0"/><path d="M9 16a5 5 0 0 1 6 0"/><circle cx="12" cy="19.5" r="1.2" fill="currentColor"/>',
    seat: '<path d="M4 11h16v3H4z"/><path d="M6 14v5M18 14v5M6 11V6h12v5"/>',
    parking: '<rect x="3" y="3" width="18" height="18" rx="4"/><path d="M9.5 17V7h3.5a3 3 0 0 1 0 6H9.5"/>',
  };
  return `<svg class="finder-glyph" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${paths[name] || ''}</svg>`;
}
