// city.js: the map of a whole city's communities. It labels the
// communities' fields at low zoom with their names and counts (posts, car
// parks, open orders once the map has them: /api/communities), keeps the
// counts current as changes come in, and steps between a community, its
// subdistrict and the city: a bar of three buttons, and a tap on a
// community's field at low zoom enters it (?c=CODE).
//
// mountCity(app) is called by app.js when the map has more than one
// community; a single-community map looks as it always has.

import { byId, el, button } from './dom.js';
import { OVERVIEW_SOURCE, OVERVIEW_LAYER } from './style.js';
import { iconURL } from './icons.js';

const REFRESH_MS = 1000; // a burst of changes refetches the counts once

// The overview's labels: below zoom 13, each community's name after its
// branch's flag and, smaller, its counts, in the page's language (the
// style's global state "lang"). The flag is drawn in the label's text, one
// symbol: the branches' own flags (org-flags-top) are left out below 13,
// where they covered the counts (issue 15).
const FLAG = 'flag-2-inline';
const FLAG_PX = 13; // the flag's height in a line of the label's text
// the branch's flag is drawn while the flags are: the organizations'
// layer on, peeled no higher than the communities' level (2)
const FLAG_SHOWN = ['all', ['global-state', 'organizations'], ['>=', ['global-state', 'maxLevel'], 2]];

// communityLabel is a community's name and counts in the page's language,
// after its branch's flag when flag is set.
function communityLabel(flag) {
  const line = (name, other, counts) => ['format',
    ...(flag ? [['image', FLAG], {}, ' ', {}] : []),
    ['coalesce', ['get', name], ['get', other]], { 'font-scale': 1 }, '\n', {}, ['get', counts], { 'font-scale': 0.8 }];
  return ['case', ['==', ['global-state', 'lang'], 'en'], line('name_en', 'name_zh', 'counts_en'), line('name_zh', 'name_en', 'counts_zh')];
}

const LABELS = {
  type: 'symbol',
  source: OVERVIEW_SOURCE,
  maxzoom: 13,
  layout: {
    'text-allow-overlap': false,
    'text-field': ['case', FLAG_SHOWN, communityLabel(true), communityLabel(false)],
    'text-font': ['Noto Sans CJK SC Bold', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'sans-serif'],
    'text-max-width': 10,
    'text-padding': 4,
    'text-size': ['interpolate', ['linear'], ['zoom'], 10, 11, 12.5, 14],
  },
  paint: { 'text-color': '#4a1010', 'text-halo-color': '#fffaf0', 'text-halo-width': 1.6 },
};

/** mountCity adds the overview and the steps to the map page. */
export function mountCity(app) {
  const { map, i18n } = app;
  let overview = { counts: [], subdistricts: [], communities: [] };
  // The style holds only the server's tiles: the overview's labels are
  // this page's own source and layer, on top of the map below zoom 13 (the
  // street committees' flags, placed after them, never take their place
  // nor cover them), once the flag they show is ready.
  if (!map.getSource(OVERVIEW_SOURCE)) map.addSource(OVERVIEW_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  inlineFlag(map).catch((err) => console.warn('city: the branches\' flag:', err.message)).finally(() => {
    if (!map.getLayer(OVERVIEW_LAYER)) map.addLayer({ ...LABELS, id: OVERVIEW_LAYER });
  });

  const countsText = (c, lang) =>
    overview.counts
      .filter((n) => c.counts && c.counts[n.name] !== undefined)
      .map((n) => `${lang === 'en' ? n.title.en : n.title.zh} ${c.counts[n.name]}`)
      .join(lang === 'en' ? ' · ' : '　');

  const load = async () => {
    const res = await fetch(new URL('api/communities', document.baseURI));
    if (!res.ok) return;
    overview = await res.json();
    const features = overview.communities.map((c) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: c.point },
      properties: {
        code: c.code, name_zh: c.name.zh, name_en: c.name.en, subdistrict: c.subdistrict,
        counts_zh: countsText(c, 'zh'), counts_en: countsText(c, 'en'),
      },
    }));
    map.getSource(OVERVIEW_SOURCE)?.setData({ type: 'FeatureCollection', features });
    document.documentElement.dataset.communities = String(overview.communities.length);
  };
  let timer = null;
  window.addEventListener('partymap:change', () => {
    if (!timer) timer = setTimeout(() => { timer = null; load(); }, REFRESH_MS);
  });

  const find = (code) => overview.communities.find((c) => c.code === code) || null;
  const subdistrictOf = (c) => overview.subdistricts.find((s) => c && s.code === c.subdistrict) || null;
  const fit = (bounds, { pitch, bearing }) => {
    if (!Array.isArray(bounds)) return;
    map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], {
      padding: app.isKiosk ? { top: 80, bottom: 60, left: 380, right: 60 } : { top: 90, bottom: 90, left: 30, right: 30 },
      pitch, bearing, duration: 1800, essential: true,
    });
  };

  // The steps: the community, its subdistrict, the city.
  const bar = el('nav', 'steps');
  bar.id = 'steps';
  const stepCommunity = button('step step-community', () => enter(app.community(), { fly: true }));
  const stepSubdistrict = button('step step-subdistrict', () => {
    const s = subdistrictOf(find(app.community()));
    if (s) {
      fit(s.bounds, { pitch: 0, bearing: 0 });
      mark('subdistrict');
    }
  });
  const stepCity = button('step step-city', () => {
    fit(app.config.bounds, { pitch: 0, bearing: 0 });
    mark('city');
  });
  bar.append(stepCommunity, stepSubdistrict, stepCity);
  document.body.append(bar);
  const mark = (level) => {
    bar.dataset.level = level;
    for (const [b, l] of [[stepCommunity, 'community'], [stepSubdistrict, 'subdistrict'], [stepCity, 'city']]) {
      b.classList.toggle('active', l === level);
    }
  };
  const label = () => {
    const c = find(app.community());
    const s = subdistrictOf(c);
    const name = (x) => (x ? (i18n.lang() === 'en' ? x.name.en : x.name.zh) : '');
    stepCommunity.textContent = c ? name(c) : i18n.t('stepCommunity');
    stepSubdistrict.textContent = s ? name(s) : i18n.t('stepSubdistrict');
    stepCity.textContent = i18n.t('stepCity');
    stepCommunity.hidden = !c;
    stepSubdistrict.hidden = !s;
  };
  i18n.onChange(label);

  /** enter makes a community the page's own: its title, the home view, ?c=. */
  const enter = (code, { fly }) => {
    const c = find(code);
    if (!c) return;
    app.setCommunity(c);
    label();
    mark('community');
    if (fly) app.home();
  };

  map.on('click', 'communities-fill', (e) => {
    if (map.getZoom() >= 13 || !e.features?.length) return;
    const code = e.features[0].properties.code;
    if (code) enter(code, { fly: true });
  });

  load().then(() => {
    label();
    mark(app.community() ? 'community' : 'city');
  });
  return { reload: load, enter };
}

// inlineFlag adds the community branch's flag of the sprite, made as small
// as a line of text, as the image FLAG the labels show.
async function inlineFlag(map) {
  if (map.hasImage(FLAG)) return;
  const img = new Image();
  img.src = new URL(iconURL('flag-2'), document.baseURI).href;
  await img.decode();
  const h = FLAG_PX * 2; // drawn at pixel ratio 2: sharp on phones
  const w = Math.round((img.naturalWidth * h) / img.naturalHeight);
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0, w, h);
  if (!map.hasImage(FLAG)) map.addImage(FLAG, g.getImageData(0, 0, w, h), { pixelRatio: 2 });
}
