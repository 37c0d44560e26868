// Cards: tap anything on the map, or open a deep link, and a card tells
// what it is, from /collections/{layer}/items/{id}. What the card calls
// each fact (the fields' titles) and each value (kinds, services) is the
// catalogue's, from the server; whether a place is open now is the
// server's answer (/api/open-now), never worked out here.

import { el, button, append } from './dom.js';
import { iconURL } from './icons.js';
import { qrSVG } from './qr.js';
import { VENUE_KINDS, venueWeek, orgResources } from './whatson.js';

/** Fetches a feature as GeoJSON from the OGC API. */
export async function fetchFeature(layer, id) {
  const url = new URL(`collections/${encodeURIComponent(layer)}/items/${encodeURIComponent(id)}`, document.baseURI);
  const res = await fetch(url, { headers: { Accept: 'application/geo+json' } });
  if (!res.ok) throw new Error(`${url.pathname}: ${res.status}`);
  return res.json();
}

async function fetchGrid(code) {
  return fetchByCode('grids', code);
}

// fetchByCode finds an area by its code (a grid, community, subdistrict).
async function fetchByCode(layer, code) {
  if (!code) return null;
  const url = new URL(`collections/${layer}/items`, document.baseURI);
  url.searchParams.set('code', code);
  url.searchParams.set('limit', '1');
  const res = await fetch(url, { headers: { Accept: 'application/geo+json' } });
  if (!res.ok) return null;
  const fc = await res.json();
  return fc.features?.[0] ?? null;
}

// fetchChildren lists the organizations an organization leads.
async function fetchChildren(id) {
  const url = new URL('collections/organizations/items', document.baseURI);
  url.searchParams.set('parent_id', String(id));
  url.searchParams.set('limit', '1000');
  const res = await fetch(url, { headers: { Accept: 'application/geo+json' } });
  if (!res.ok) return [];
  return (await res.json()).features ?? [];
}

// GRID_LEVEL is the organizations' level of a grid's branch: a committee
// above it (a street's, a community's) leads grids, it does not belong to
// the one its office stands in.
const GRID_LEVEL = 3;
const aboveGrids = (layer, p) => layer === 'organizations' && Number(p.level) < GRID_LEVEL;

/**
 * fetchOpenNow asks the server whether a place is open now: true, false,
 * or null when it cannot tell (unreadable hours, the server unreachable).
 */
async function fetchOpenNow(layer, id) {
  const url = new URL('api/open-now', document.baseURI);
  url.searchParams.set('layer', layer);
  url.searchParams.set('id', String(id));
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!res.ok) return null;
    const a = await res.json();
    return a.features?.[0]?.open_now ?? null;
  } catch {
    return null;
  }
}

/**
 * activityWhen says when an activity happens, in China Standard Time as
 * the server writes it: "2026-12-03 19:30–21:00", and its weekly days.
 */
function activityWhen(p, i18n) {
  const [d0, t0] = (p.starts_at || '').split('T');
  const [d1, t1] = (p.ends_at || '').split('T');
  let text = d0 === d1 ? `${d0} ${t0}–${t1}` : `${d0} ${t0} – ${d1} ${t1}`;
  const m = /BYDAY=([A-Z,]+);UNTIL=(\d{4})(\d{2})(\d{2})/.exec(p.repeat || '');
  if (m) {
    const names = { MO: ['一', 'Mon'], TU: ['二', 'Tue'], WE: ['三', 'Wed'], TH: ['四', 'Thu'], FR: ['五', 'Fri'], SA: ['六', 'Sat'], SU: ['日', 'Sun'] };
    const en = i18n.lang() === 'en';
    const days = m[1].split(',').map((d) => names[d]?.[en ? 1 : 0] ?? d);
    const until = `${m[2]}-${m[3]}-${m[4]}`;
    if (days.length === 7) text += en ? ` · daily until ${until}` : ` · 每天，至 ${until}`;
    else text += en ? ` · weekly on ${days.join(', ')} until ${until}` : ` · 每周${days.map((d) => `周${d}`).join('、')}，至 ${until}`;
  }
  return text;
}

/** The link that opens the feature's card on a phone, in the language it was shared in. */
export function featureLink(layer, id, lang) {
  return new URL(`map/${lang ? `?lang=${lang}` : ''}#${layer}/${id}`, document.baseURI).href;
}

/**
 * Creates the card controller.
 * ctx: { i18n, isKiosk, root (element), onOpen(layer, id, feature), onClose(), toast(text), openLinked(layer, id),
 *        walk(layer, id, from) → /api/route's answer (drawn on the map), routeLink(layer, id) }
 */
export function createCards(ctx) {
  const { i18n, root } = ctx;
  let current = null; // { layer, id, feature, extra, route }
  let choice = null; // the things a tap hit, while the visitor picks one
  let seq = 0;

  async function open(layer, id) {
    if (!i18n.layerNames().includes(layer)) throw new Error(`unknown layer ${layer}`);
    const mine = ++seq;
    choice = null;
    root.hidden = false;
    root.classList.add('open');
    root.replaceChildren(shell(i18n.t('loading')));
    let feature;
    let extra = {};
    try {
      feature = await fetchFeature(layer, id);
      extra = await related(layer, Number(id), feature.properties);
    } catch (err) {
      if (mine !== seq) return null;
      root.replaceChildren(shell(i18n.t('loadFailed')));
      console.warn('card', layer, id, err.message);
      return null;
    }
    if (mine !== seq) return null;
    current = { layer, id: Number(id), feature, extra, route: null };
    render();
    ctx.onOpen?.(layer, Number(id), feature);
    return feature;
  }

  function close() {
    seq++;
    const was = current;
    const chose = choice;
    current = null;
    choice = null;
    root.classList.remove('open', 'has-route');
    root.hidden = true;
    root.replaceChildren();
    if (was) ctx.onClose?.(was.layer, was.id);
    else if (chose) ctx.onClose?.(null, null);
  }

  /**
   * choose offers the things one tap hit ([{ layer, id, properties }],
   * topmost first), each by its kind and name: picking one opens its card.
   */
  function choose(items) {
    seq++;
    const was = current;
    current = null;
    if (was) ctx.onClose?.(was.layer, was.id);
    choice = items;
    root.hidden = false;
    root.classList.add('open');
    root.classList.remove('has-route');
    document.body.classList.add('card-open');
    renderChoice();
  }

  function renderChoice() {
    if (!choice) return;
    const t = i18n.t;
    const list = el('ul', 'tap-choice');
    for (const h of choice) {
      const p = h.properties || {};
      const [name] = i18n.names(p);
      const icon = kindIcon(h.layer, p);
      const img = icon ? el('img', 'tap-choice-icon') : null;
      if (img) {
        img.src = icon;
        img.alt = '';
      }
      const b = button('tap-choice-item', () => open(h.layer, h.id),
        img, el('span', 'tap-choice-kind', kindText(h.layer, p)), el('span', 'tap-choice-name', name || i18n.item(h.layer)));
      b.dataset.layer = h.layer;
      b.dataset.id = String(h.id);
      list.append(el('li', '', b));
    }
    const card = el('article', 'card card-choice',
      el('header', 'card-head',
        el('h2', 'card-title', t('tapChoice', { n: choice.length })),
        el('p', 'card-other', t('tapChoiceHint'))),
      closeButton(), list);
    root.replaceChildren(card);
  }

  // related fetches what the card shows beside the feature itself.
  async function related(layer, id, p) {
    const extra = {};
    const asks = [];
    if (i18n.hasField(layer, 'hours')) asks.push(fetchOpenNow(layer, id).then((open) => { extra.open = open; }));
    if (layer === 'organizations') {
      const chain = [];
      let parent = p.parent_id;
      for (let i = 0; parent && i < 6; i++) {
        const f = await fetchFeature('organizations', parent);
        chain.unshift(f);
        parent = f.properties.parent_id;
      }
      extra.chain = chain;
    }
    // an activity names its venue and organizer, a resource its unit
    if (layer === 'activities' && p.venue_id) {
      extra.venue = await fetchFeature('posts', p.venue_id).catch(() => null);
    }
    if ((layer === 'activities' || layer === 'resources') && (p.organizer_id || p.organization_id)) {
      extra.organizer = await fetchFeature('organizations', p.organizer_id || p.organization_id).catch(() => null);
    }
    if (layer === 'buildings' && p.compound_id) {
      extra.compound = await fetchFeature('compounds', p.compound_id).catch(() => null);
    }
    if (aboveGrids(layer, p)) {
      // a committee shows its own level: the community or subdistrict it
      // leads and the organizations under it, not the grid its office is in
      const community = await fetchByCode('communities', p.community).catch(() => null);
      if (Number(p.level) >= 2) extra.community = community;
      else extra.subdistrict = await fetchByCode('subdistricts', community?.properties.subdistrict).catch(() => null);
      extra.children = await fetchChildren(id).catch(() => []);
    } else if (i18n.hasField(layer, 'grid_code')) {
      extra.grid = await fetchGrid(p.grid_code);
    }
    await Promise.all(asks);
    return extra;
  }

  function shell(message) {
    return el('article', 'card', closeButton(), el('p', 'card-message', message));
  }

  function closeButton() {
    const b = button('card-close', close, '×');
    b.setAttribute('aria-label', i18n.t('close'));
    b.title = i18n.t('close');
    return b;
  }

  function render() {
    if (!current) return;
    const { layer, id, feature, extra } = current;
    const p = feature.properties;
    const t = i18n.t;
    const title = (name) => i18n.field(layer, name);
    // An order has no name: its resident's words are its title (as text).
    const [name, other] = layer === 'orders' ? [p.text || '', ''] : i18n.names(p);
    const card = el('article', `card card-${layer}`);
    card.dataset.layer = layer;
    card.dataset.id = String(id);

    const icon = kindIcon(layer, p);
    const img = icon ? el('img', 'card-icon') : null;
    if (img) {
      img.src = icon;
      img.alt = '';
    }
    const head = el('header', 'card-head',
      el('div', 'card-kind', img, kindText(layer, p)),
      el('h2', 'card-title', name),
      other && other !== name ? el('p', 'card-other', other) : null);
    card.append(head, closeButton());
    // the walk, when asked for, first: what the visitor wants now
    if (current.route) card.append(routeSection(current.route));
    root.classList.toggle('has-route', !!current.route);

    const facts = el('dl', 'card-facts');
    const row = (label, value, cls) => {
      if (value === undefined || value === null || value === '') return;
      facts.append(el('div', `fact${cls ? ` ${cls}` : ''}`, el('dt', '', label), el('dd', '', value)));
    };
    const gridRow = () => {
      const g = extra.grid;
      if (!g) return;
      const [gname] = i18n.names(g.properties);
      row(title('grid_code'), link(`${gname} · ${g.properties.code}`, 'grids', g.id));
      row(i18n.field('grids', 'leader_zh'), person(g.properties));
    };

    // ledRows: a committee's community or subdistrict, and what it leads
    // (few: each by name; many: how many of each kind)
    const ledRows = () => {
      if (extra.community) row(title('community'), link(i18n.names(extra.community.properties)[0], 'communities', extra.community.id));
      if (extra.subdistrict) row(i18n.field('communities', 'subdistrict'), link(i18n.names(extra.subdistrict.properties)[0], 'subdistricts', extra.subdistrict.id));
      const kids = extra.children || [];
      if (!kids.length) return;
      const list = el('ul', 'card-led');
      if (kids.length <= 3) {
        for (const f of kids) list.append(el('li', '', link(i18n.names(f.properties)[0], 'organizations', f.id)));
      } else {
        const byKind = new Map();
        for (const f of kids) byKind.set(f.properties.kind, (byKind.get(f.properties.kind) || 0) + 1);
        for (const [kind, n] of byKind) list.append(el('li', '', t('orgLedCount', { kind: i18n.value('organizations', 'kind', kind), n })));
      }
      row(t('orgLeads'), list, 'fact-wide');
    };

    switch (layer) {
      case 'grids':
        row(title('leader_zh'), person(p), 'fact-leader');
        row(title('branch_zh'), i18n.pick(p.branch_zh, p.branch_en));
        row(title('households'), count('nHouseholds', p.households));
        break;
      case 'organizations': {
        row(title('level'), p.level ? t(`level${p.level}`) : '');
        row(title('members'), count('nMembers', p.members));
        if (aboveGrids(layer, p)) ledRows();
        else gridRow();
        // what a co-building unit shares (资源单)
        row(t('sharedResources'), orgResources(id, i18n), 'fact-wide');
        if (extra.chain?.length) {
          const chain = el('ol', 'card-chain');
          for (const f of extra.chain) chain.append(el('li', '', link(i18n.names(f.properties)[0], 'organizations', f.id)));
          chain.append(el('li', 'chain-self', name));
          row(title('parent_id'), chain, 'fact-wide');
        }
        break;
      }
      case 'posts': {
        const services = el('ul', 'chips');
        for (const s of p.services || []) services.append(el('li', `chip service-${s}`, i18n.value('posts', 'services', s)));
        row(title('services'), services, 'fact-wide');
        row(title('hours'), hoursNode(p.hours, extra.open));
        if (p.phone) row(title('phone'), phoneNode(p.phone));
        gridRow();
        // a shared venue shows its week: busy and free
        if (VENUE_KINDS.includes(p.kind)) row(t('venueWeek'), venueWeek(id, i18n), 'fact-wide');
        break;
      }
      case 'parking': {
        const free = Number(p.free) || 0;
        const cap = Number(p.capacity) || 0;
        const fill = el('span');
        fill.style.width = `${cap ? Math.round((100 * free) / cap) : 0}%`;
        const meter = el('div', `free-meter${free > 0 ? '' : ' full'}`,
          el('strong', 'free-count', free > 0 ? String(free) : t('full')),
          free > 0 ? el('span', '', ` ${t('ofSpaces', { n: cap })}`) : null,
          el('div', 'bar', fill));
        row(title('free'), meter, 'fact-wide');
        row(title('capacity'), count('nSpaces', cap));
        row(title('hours'), hoursNode(p.hours, extra.open));
        row(title('fee_zh'), i18n.pick(p.fee_zh, p.fee_en));
        break;
      }
      case 'compounds':
        gridRow();
        row(title('households'), count('nHouseholds', p.households));
        row(title('buildings'), p.buildings);
        break;
      case 'buildings':
        if (extra.compound) row(title('compound_id'), link(i18n.names(extra.compound.properties)[0], 'compounds', extra.compound.id));
        row(title('floors'), count('nFloors', p.floors));
        row(title('height_m'), count('nMetres', p.height_m));
        gridRow();
        break;
      case 'orders':
        row(title('status'), el('span', `order-status status-${p.status}`, i18n.value('orders', 'status', p.status)));
        if (p.category) row(title('category'), i18n.value('orders', 'category', p.category));
        row(title('branch_zh'), i18n.pick(p.branch_zh, p.branch_en));
        row(title('answer'), p.answer, 'fact-wide');
        row(title('submitted_at'), i18n.when(p.submitted_at));
        break;
      case 'activities': {
        row(title('starts_at'), activityWhen(p, i18n), 'fact-wide');
        if (extra.venue) row(title('venue_id'), link(i18n.names(extra.venue.properties)[0], 'posts', extra.venue.id));
        else row(title('place_zh'), i18n.pick(p.place_zh, p.place_en));
        if (extra.organizer) row(title('organizer_id'), link(i18n.names(extra.organizer.properties)[0], 'organizations', extra.organizer.id));
        row(title('audience'), i18n.value('activities', 'audience', p.audience));
        if (p.status === 'cancelled') row(title('status'), i18n.value('activities', 'status', p.status));
        row(title('capacity'), p.capacity);
        row(title('description_zh'), i18n.pick(p.description_zh, p.description_en), 'fact-wide');
        break;
      }
      case 'resources':
        if (extra.organizer) row(title('organization_id'), link(i18n.names(extra.organizer.properties)[0], 'organizations', extra.organizer.id));
        row(title('kind'), i18n.value('resources', 'kind', p.kind));
        row(title('when_zh'), i18n.pick(p.when_zh, p.when_en));
        row(title('details_zh'), i18n.pick(p.details_zh, p.details_en), 'fact-wide');
        break;
      default:
        break;
    }
    if (facts.children.length) card.append(facts);

    const foot = el('footer', 'card-foot');
    const url = featureLink(layer, id, i18n.lang());
    if (ctx.walk && !current.route) foot.append(button('card-route-button', () => walk(), t('takeMeThere')));
    if (layer === 'activities' && p.audience === 'public') {
      // a public activity's QR code adds it to the phone's calendar
      const cal = new URL(`api/activities.ics?id=${id}`, document.baseURI).href;
      if (ctx.isKiosk) {
        const qr = el('figure', 'card-qr card-calendar');
        qr.innerHTML = qrSVG(cal); // built from the QR matrix only, no outside text
        qr.append(el('figcaption', '', t('scanToCalendar')));
        foot.append(qr);
      } else {
        const a = el('a', 'card-share card-calendar', t('addToCalendar'));
        a.href = cal;
        foot.append(a);
      }
    }
    if (ctx.isKiosk && !current.route) {
      const qr = el('figure', 'card-qr');
      qr.innerHTML = qrSVG(url); // built from the QR matrix only, no outside text
      qr.append(el('figcaption', '', t('scanToOpen')));
      foot.append(qr);
    } else if (!ctx.isKiosk) {
      foot.append(button('card-share', () => shareLink(name, url), t('share')));
    }
    card.append(foot);
    root.replaceChildren(card);
  }

  /** walk asks for the way to the card's feature and shows it on the card (from [lon, lat] when given). */
  async function walk(from) {
    if (!current) return null;
    const mine = current;
    mine.route = { busy: true };
    render();
    let answer = null;
    try {
      answer = await ctx.walk(mine.layer, mine.id, from);
      mine.route = { answer };
    } catch (err) {
      mine.route = { error: err.detail || i18n.t('routeFailed') };
    }
    if (current === mine) render();
    return answer;
  }

  // routeSection tells the walk: minutes and metres, the steps in the
  // page's language, and on the kiosk a QR code that opens the same walk
  // on a phone.
  function routeSection(r) {
    const t = i18n.t;
    const box = el('section', 'card-route');
    box.setAttribute('aria-label', t('takeMeThere'));
    if (r.busy) return append(box, el('p', 'route-status', t('routeLoading')));
    if (r.error) return append(box, el('p', 'route-status', r.error));
    const p = r.answer.properties;
    if (!p.reachable) return append(box, el('p', 'route-status', i18n.pick(p.message_zh, p.message_en)));
    box.append(el('p', 'route-summary', t('walkSummary', { min: p.walking_min, m: p.length_m })));
    const steps = el('ol', 'route-steps');
    for (const s of p.steps) steps.append(el('li', '', i18n.pick(s.text_zh, s.text_en)));
    box.append(steps);
    if (!ctx.isKiosk && p.handoffs?.length) {
      // 导航: the same walk in the phone's own map app
      const apps = el('p', 'route-apps', el('span', '', t('directions')));
      for (const h of p.handoffs) {
        const a = el('a', 'route-app', i18n.pick(h.name.zh, h.name.en));
        a.href = h.url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        apps.append(a);
      }
      box.append(apps);
    }
    if (ctx.isKiosk && ctx.routeLink) {
      const qr = el('figure', 'card-qr route-qr');
      qr.innerHTML = qrSVG(ctx.routeLink(current.layer, current.id)); // built from the QR matrix only
      qr.append(el('figcaption', '', t('scanRoute')));
      box.append(qr);
    }
    return box;
  }

  function count(key, v) {
    if (v === undefined || v === null || v === '') return '';
    return i18n.t(key, { n: v });
  }

  function person(g) {
    return el('span', 'person',
      el('span', 'person-name', i18n.pick(g.leader_zh, g.leader_en)),
      g.leader_phone ? ' ' : null,
      g.leader_phone ? phoneNode(g.leader_phone) : null);
  }

  function phoneNode(phone) {
    if (ctx.isKiosk) return el('span', 'phone', phone);
    const a = el('a', 'phone', phone);
    a.href = `tel:${phone.replace(/[^0-9+]/g, '')}`;
    return a;
  }

  // hoursNode shows the hours as written and, when the server could tell,
  // whether the place is open now.
  function hoursNode(hours, open) {
    // each opening span on one line: "08:00-12:00, 14:00-18:00"
    const spans = (hours || '').split(',').map((h) => el('span', 'hours-span', h.trim()));
    const span = el('span', 'hours', ...spans.flatMap((s, i) => (i ? [', ', s] : [s])));
    if (open === true || open === false) {
      span.append(' ', el('span', `open-badge ${open ? 'open' : 'closed'}`, open ? i18n.t('openNow') : i18n.t('closedNow')));
    }
    return span;
  }

  function link(text, layer, id) {
    return button('card-link', () => ctx.openLinked?.(layer, id), text);
  }

  function kindText(layer, p) {
    if (layer === 'grids') return `${i18n.item(layer)} · ${p.code ?? ''}`;
    if (p.kind && i18n.hasField(layer, 'kind')) return i18n.value(layer, 'kind', p.kind);
    return i18n.item(layer);
  }

  async function shareLink(title, url) {
    if (navigator.share) {
      try { await navigator.share({ title, url }); return; } catch { /* cancelled */ }
    }
    try {
      await navigator.clipboard.writeText(url);
      ctx.toast?.(i18n.t('linkCopied'));
    } catch {
      window.prompt(i18n.t('share'), url);
    }
  }

  i18n.onChange(() => (choice ? renderChoice() : render()));

  return {
    open,
    close,
    choose,
    walk,
    current: () => (current ? { layer: current.layer, id: current.id } : null),
  };
}

function kindIcon(layer, p) {
  if (layer === 'organizations') {
    const name = p.kind === 'grid_branch' ? 'flag-3' : p.kind === 'building_group' ? 'flag-4' : p.level <= 2 ? `flag-${p.level}` : 'flag-unit';
    return iconURL(name);
  }
  if (layer === 'posts') return iconURL(`post-${p.kind}`);
  if (layer === 'parking') return iconURL(Number(p.free) > 0 ? 'parking' : 'parking-full');
  return '';
}
