// Cards: tap anything on the map, or open a deep link, and a card tells
// what it is, in both languages, from /collections/{layer}/items/{id}.

import { iconURL } from './icons.js';
import { qrSVG } from './qr.js';

const LAYERS = ['organizations', 'grids', 'compounds', 'buildings', 'posts', 'parking', 'landmarks', 'streets'];

/** Fetches a feature as GeoJSON from the OGC API. */
export async function fetchFeature(layer, id) {
  const url = new URL(`collections/${encodeURIComponent(layer)}/items/${encodeURIComponent(id)}`, document.baseURI);
  const res = await fetch(url, { headers: { Accept: 'application/geo+json' } });
  if (!res.ok) throw new Error(`${url.pathname}: ${res.status}`);
  return res.json();
}

async function fetchGrid(code) {
  if (!code) return null;
  const url = new URL('collections/grids/items', document.baseURI);
  url.searchParams.set('code', code);
  url.searchParams.set('limit', '1');
  const res = await fetch(url, { headers: { Accept: 'application/geo+json' } });
  if (!res.ok) return null;
  const fc = await res.json();
  return fc.features?.[0] ?? null;
}

/** The link that opens the feature's card on a phone. */
export function featureLink(layer, id) {
  return new URL(`map/#${layer}/${id}`, document.baseURI).href;
}

/**
 * Creates the card controller.
 * ctx: { i18n, isKiosk, root (element), onOpen(layer, id, feature), onClose(), toast(text) }
 */
export function createCards(ctx) {
  const { i18n, root } = ctx;
  let current = null; // { layer, id, feature, extra }
  let seq = 0;

  async function open(layer, id) {
    if (!LAYERS.includes(layer)) throw new Error(`unknown layer ${layer}`);
    const mine = ++seq;
    root.hidden = false;
    root.classList.add('open');
    root.replaceChildren(shell(i18n.t('loading')));
    let feature;
    let extra = {};
    try {
      feature = await fetchFeature(layer, id);
      extra = await related(layer, feature.properties);
    } catch (err) {
      if (mine !== seq) return null;
      root.replaceChildren(shell(i18n.t('loadFailed')));
      console.warn('card', layer, id, err.message);
      return null;
    }
    if (mine !== seq) return null;
    current = { layer, id: Number(id), feature, extra };
    render();
    ctx.onOpen?.(layer, Number(id), feature);
    return feature;
  }

  function close() {
    seq++;
    const was = current;
    current = null;
    root.classList.remove('open');
    root.hidden = true;
    root.replaceChildren();
    if (was) ctx.onClose?.(was.layer, was.id);
  }

  // related fetches what the card shows beside the feature itself.
  async function related(layer, p) {
    const extra = {};
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
    if (layer === 'buildings' && p.compound_id) {
      extra.compound = await fetchFeature('compounds', p.compound_id).catch(() => null);
    }
    if (['compounds', 'buildings', 'organizations', 'posts'].includes(layer)) {
      extra.grid = await fetchGrid(p.grid_code);
    }
    return extra;
  }

  function shell(message) {
    const card = el('article', 'card');
    card.append(closeButton());
    card.append(el('p', 'card-message', message));
    return card;
  }

  function closeButton() {
    const b = el('button', 'card-close', '×');
    b.type = 'button';
    b.setAttribute('aria-label', i18n.t('close'));
    b.title = i18n.t('close');
    b.addEventListener('click', close);
    return b;
  }

  function render() {
    if (!current) return;
    const { layer, id, feature, extra } = current;
    const p = feature.properties;
    const t = i18n.t;
    const [name, other] = i18n.names(p);
    const card = el('article', `card card-${layer}`);
    card.dataset.layer = layer;
    card.dataset.id = String(id);

    const head = el('header', 'card-head');
    const kind = el('div', 'card-kind');
    const icon = kindIcon(layer, p);
    if (icon) {
      const img = el('img', 'card-icon');
      img.src = icon;
      img.alt = '';
      kind.append(img);
    }
    kind.append(document.createTextNode(kindText(layer, p)));
    head.append(kind, el('h2', 'card-title', name));
    if (other && other !== name) head.append(el('p', 'card-other', other));
    card.append(head, closeButton());

    const facts = el('dl', 'card-facts');
    const row = (label, value, cls) => {
      if (value === undefined || value === null || value === '') return;
      const wrap = el('div', `fact${cls ? ` ${cls}` : ''}`);
      wrap.append(el('dt', '', label));
      const dd = el('dd');
      if (value instanceof Node) dd.append(value); else dd.textContent = String(value);
      wrap.append(dd);
      facts.append(wrap);
    };
    const gridRow = () => {
      const g = extra.grid;
      if (!g) return;
      const [gname] = i18n.names(g.properties);
      row(t('grid'), link(`${gname} · ${g.properties.code}`, 'grids', g.id));
      row(t('gridLeader'), person(g.properties));
    };

    switch (layer) {
      case 'grids':
        row(t('gridLeader'), person(p), 'fact-leader');
        row(t('partyBranch'), pick(p.branch_zh, p.branch_en));
        row(t('households'), num(p.households, t('householdsUnit')));
        break;
      case 'organizations': {
        row(t('level'), t(`level${p.level}`));
        row(t('members'), num(p.members, t('membersUnit')));
        gridRow();
        if (extra.chain?.length) {
          const chain = el('ol', 'card-chain');
          for (const f of extra.chain) {
            const li = el('li');
            li.append(link(i18n.names(f.properties)[0], 'organizations', f.id));
            chain.append(li);
          }
          chain.append(el('li', 'chain-self', name));
          row(t('hierarchy'), chain, 'fact-wide');
        }
        break;
      }
      case 'posts': {
        const services = el('ul', 'chips');
        for (const s of p.services || []) services.append(el('li', `chip service-${s}`, i18n.label('service', s)));
        row(t('services'), services, 'fact-wide');
        row(t('hours'), hoursNode(p.hours));
        if (p.phone) row(t('phone'), phoneNode(p.phone));
        gridRow();
        break;
      }
      case 'parking': {
        const free = Number(p.free) || 0;
        const cap = Number(p.capacity) || 0;
        const meter = el('div', `free-meter${free > 0 ? '' : ' full'}`);
        meter.append(el('strong', 'free-count', free > 0 ? String(free) : t('full')));
        if (free > 0) meter.append(el('span', '', ` / ${cap} ${t('spacesUnit')}`));
        const bar = el('div', 'bar');
        const fill = el('span');
        fill.style.width = `${cap ? Math.round((100 * free) / cap) : 0}%`;
        bar.append(fill);
        meter.append(bar);
        row(t('freeSpaces'), meter, 'fact-wide');
        row(t('capacity'), num(cap, t('spacesUnit')));
        row(t('hours'), hoursNode(p.hours));
        row(t('fee'), pick(p.fee_zh, p.fee_en));
        break;
      }
      case 'compounds':
        gridRow();
        row(t('households'), num(p.households, t('householdsUnit')));
        row(t('buildingsCount'), p.buildings);
        break;
      case 'buildings':
        if (extra.compound) row(t('compound'), link(i18n.names(extra.compound.properties)[0], 'compounds', extra.compound.id));
        row(t('floors'), num(p.floors, t('floorsUnit')));
        row(t('height'), num(p.height_m, t('metres')));
        gridRow();
        break;
      default:
        break;
    }
    if (facts.children.length) card.append(facts);

    const foot = el('footer', 'card-foot');
    const url = featureLink(layer, id);
    if (ctx.isKiosk) {
      const qr = el('figure', 'card-qr');
      qr.innerHTML = qrSVG(url); // built from the QR matrix only, no outside text
      qr.append(el('figcaption', '', t('scanToOpen')));
      foot.append(qr);
    } else {
      const share = el('button', 'card-share', t('share'));
      share.type = 'button';
      share.addEventListener('click', () => shareLink(name, url));
      foot.append(share);
    }
    card.append(foot);
    root.replaceChildren(card);
  }

  function pick(zh, en) {
    return i18n.lang() === 'en' ? (en || zh) : (zh || en);
  }

  function num(v, unit) {
    if (v === undefined || v === null || v === '') return '';
    return i18n.lang() === 'en' ? `${v} ${unit}` : `${v} ${unit}`;
  }

  function person(g) {
    const span = el('span', 'person');
    span.append(el('span', 'person-name', pick(g.leader_zh, g.leader_en)));
    if (g.leader_phone) {
      span.append(document.createTextNode(' '));
      span.append(phoneNode(g.leader_phone));
    }
    return span;
  }

  function phoneNode(phone) {
    if (ctx.isKiosk) return el('span', 'phone', phone);
    const a = el('a', 'phone', phone);
    a.href = `tel:${phone.replace(/[^0-9+]/g, '')}`;
    return a;
  }

  function hoursNode(hours) {
    const span = el('span', 'hours', hours || '');
    const open = openNow(hours);
    if (open !== null) {
      span.append(document.createTextNode(' '));
      span.append(el('span', `open-badge ${open ? 'open' : 'closed'}`, open ? i18n.t('openNow') : i18n.t('closedNow')));
    }
    return span;
  }

  function link(text, layer, id) {
    const a = el('button', 'card-link', text);
    a.type = 'button';
    a.addEventListener('click', () => ctx.openLinked?.(layer, id));
    return a;
  }

  function kindText(layer, p) {
    const layerName = i18n.label('layer', layer);
    switch (layer) {
      case 'grids': return `${layerName} · ${p.code ?? ''}`;
      case 'organizations':
      case 'posts':
      case 'landmarks':
      case 'streets':
        return i18n.label('kind', p.kind);
      default: return layerName;
    }
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

  i18n.onChange(render);

  return {
    open,
    close,
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

/** Whether "HH:MM-HH:MM" (China Standard Time) is open now; null if unknown. */
export function openNow(hours, now = new Date()) {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(hours || '');
  if (!m) return null;
  const cst = new Date(now.getTime() + 8 * 3600 * 1000);
  const minutes = cst.getUTCHours() * 60 + cst.getUTCMinutes();
  const from = Number(m[1]) * 60 + Number(m[2]);
  const to = Number(m[3]) * 60 + Number(m[4]);
  if (from === to || (from === 0 && to === 1440)) return true;
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
