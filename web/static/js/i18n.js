// The pages' one language table and the labels of the data.
//
// Two languages, Chinese (the default) and English, one at a time. The
// words of the pages themselves are in STRINGS below, each with {name}
// placeholders that t(key, vars) fills in. Everything named by the data (the
// map's title, layers, kinds, services, fields) is not here: it comes from
// the server's catalogue through /viewer-config.json (config.js), read with
// layer(), item(), field() and value().
//
// The choice is kept for the session so that a reload keeps it (the kiosk
// resets it when idle); ?lang=zh|en on any page picks it.

const STRINGS = {
  // ---- the map (index.html, app.js, cards.js, panel.js, kiosk.js) ----
  mapTitle: ['{name}党建地图', '{name} Party-Building Map'],
  subtitle: ['点按地图查看详情', 'Tap the map for details'],
  fatal: ['地图加载失败，请刷新页面。', 'The map could not start; please reload.'],
  langButton: ['English', '中文'],
  langButtonLabel: ['Switch to English', '切换到中文'],
  layers: ['图层', 'Layers'],
  find: ['查找', 'Find'],
  share: ['分享', 'Share'],
  close: ['关闭', 'Close'],
  home: ['回到首页视图', 'Home view'],
  zoomIn: ['放大', 'Zoom in'],
  zoomOut: ['缩小', 'Zoom out'],
  rotateLeft: ['向左旋转', 'Rotate left'],
  rotateRight: ['向右旋转', 'Rotate right'],
  tiltUp: ['增加倾斜', 'Tilt more'],
  tiltDown: ['减少倾斜', 'Tilt less'],
  youAreHere: ['您在这里', 'You are here'],
  levelView: ['组织层级', 'Organization levels'],
  level1: ['街道', 'Street'],
  level2: ['社区', 'Community'],
  level3: ['网格', 'Grid'],
  level4: ['楼栋', 'Building'],
  loading: ['正在加载…', 'Loading…'],
  loadFailed: ['暂时无法加载，请稍后再试。', 'Could not load this now; please try again.'],
  findUnavailable: ['查找功能暂不可用。', 'Finding is not available yet.'],
  stepCommunity: ['社区', 'Community'],
  stepSubdistrict: ['街道', 'Subdistrict'],
  stepCity: ['全市', 'City'],
  linkCopied: ['链接已复制', 'Link copied'],
  scanToOpen: ['手机扫码查看', 'Scan to open on your phone'],
  openNow: ['正在开放', 'Open now'],
  closedNow: ['现已关闭', 'Closed now'],
  full: ['已满', 'Full'],
  ofSpaces: ['/ {n} 个车位', 'of {n} spaces'],
  nHouseholds: ['{n} 户', '{n} households'],
  nMembers: ['{n} 名', '{n} members'],
  nSpaces: ['{n} 个', '{n} spaces'],
  nFloors: ['{n} 层', '{n} floors'],
  nMetres: ['{n} 米', '{n} m'],
  nKilometres: ['{n} 公里', '{n} km'],
  labelled: ['{label}：{value}', '{label}: {value}'],

  // ---- the finder (find.js) ----
  findTitle: ['查找服务', 'Find a service'],
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
  findFailed: ['暂时无法查找，请稍后再试。', 'Could not search now; please try again.'],
  walk: ['步行约 {n} 分钟', '{n} min walk'],
  spacesFree: ['空余 {free} / {capacity} 个车位', '{free} of {capacity} spaces free'],
  whichGrid: ['我在哪个网格？', 'Which grid am I in?'],
  searchLabel: ['搜索名称或网格编号', 'Search a name or grid code'],
  searchPlaceholder: ['如：驿站、停车、XY03', 'e.g. cabin, parking, XY03'],
  noHits: ['没有找到。', 'No match.'],
  dirN: ['北', 'north'],
  dirNE: ['东北', 'north-east'],
  dirE: ['东', 'east'],
  dirSE: ['东南', 'south-east'],
  dirS: ['南', 'south'],
  dirSW: ['西南', 'south-west'],
  dirW: ['西', 'west'],
  dirNW: ['西北', 'north-west'],
  towards: ['{d}方向', 'to the {d}'],

  // ---- the staff editor (edit.html, edit/*.js) ----
  editTitle: ['{name} · 编辑', '{name} · Staff editor'],
  logOut: ['退出', 'Log out'],
  user: ['用户名', 'User'],
  password: ['密码', 'Password'],
  logIn: ['登录', 'Log in'],
  loginFailed: ['登录失败（{status}）', 'Login failed ({status})'],
  roleEditor: ['编辑', 'editor'],
  roleAdmin: ['管理员', 'admin'],
  hintGrids: ['点击网格开始编辑；拖动顶点，拖动中点可加点，右键点删除顶点；会吸附到相邻网格。', 'Click a grid; drag vertices, drag a midpoint to add one, right-click a vertex to remove it. Vertices snap to neighbouring grids.'],
  hintPoints: ['点击并拖动{layer}到新位置。', '{layer}: drag one to its new place.'],
  hintParking: ['点击{layer}，修改{fields}。', '{layer}: click one to update {fields}.'],
  version: ['第 {v} 版', 'version {v}'],
  save: ['保存', 'Save'],
  checking: ['检查中…', 'Checking…'],
  readyToSave: ['✓ 可以保存', '✓ Ready to save'],
  saved: ['✓ 已保存', '✓ Saved'],
  changeLine: ['{item} {id} → 第 {v} 版', '{item} {id} → v{v}'],
  conflict: ['同事已修改此项（现为第 {v} 版）。', 'A colleague saved version {v} meanwhile.'],
  reloadTheirs: ['载入同事的版本', 'Reload theirs'],
  reapplyMine: ['在新版本上重做', 'Re-apply mine'],
  discard: ['放弃未保存的修改？', 'Discard your unsaved change?'],
  errorStatus: ['出错了（{status}）', 'Error {status}'],
  history: ['历史', 'History'],
  historyLine: ['v{v} · {op}（{reason}）· {who} · {when}', 'v{v} · {op} ({reason}) · {who} · {when}'],
  shape: ['形状', 'shape'],
  revert: ['恢复', 'Revert'],
  opInsert: ['新建', 'created'],
  opUpdate: ['修改', 'changed'],
  opDelete: ['删除', 'deleted'],
  reasonEdit: ['编辑', 'edit'],
  reasonRevert: ['恢复', 'revert'],
  reasonRestore: ['还原', 'restore'],
  reasonImport: ['导入', 'import'],
  reasonReshape: ['调整边界', 'reshape'],
  reasonSeed: ['初始数据', 'seed'],
};

/** The table's keys, for tests: every key has both languages. */
export const KEYS = Object.keys(STRINGS);

/**
 * createI18n(config, initial) makes the language state of a page. config is
 * /viewer-config.json (or null before it has loaded: then only t() works).
 */
export function createI18n(config, initial) {
  let current = initial === 'en' ? 'en' : 'zh';
  const listeners = new Set();
  const index = () => (current === 'en' ? 1 : 0);
  const layers = new Map((config?.layers || []).map((l) => [l.name, l]));
  const label = (l) => (l ? (current === 'en' ? l.en || l.zh : l.zh || l.en) || '' : '');
  const fieldOf = (layer, name) => layers.get(layer)?.fields.find((f) => f.name === name);

  const i18n = {
    lang: () => current,
    setLang(l) {
      const next = l === 'en' ? 'en' : 'zh';
      if (next === current) return;
      current = next;
      try { sessionStorage.setItem('partymap.lang', current); } catch { /* private mode */ }
      for (const fn of [...listeners]) fn(current);
    },
    /** onChange calls fn(lang) after each switch; returns an unsubscribe function. */
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** t is the page's string for key in the current language, {name}s filled from vars. */
    t(key, vars) {
      const s = STRINGS[key];
      if (!s) {
        console.warn(`i18n: no string ${key}`);
        return key;
      }
      const text = s[index()];
      return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
    },
    /** title is the map's title (the community's name) from the server. */
    title: () => label(config?.title),
    /** layer is a layer's title ("Service posts"); item names one of its features ("Service post"). */
    layer: (name) => label(layers.get(name)?.title) || name,
    item: (name) => label(layers.get(name)?.item) || name,
    /** field is what a card calls a layer's property. */
    field: (layer, name) => label(fieldOf(layer, name)?.title) || name,
    /** value is the label of one value of a field with choices (a kind, a service). */
    value(layer, name, v) {
      const c = fieldOf(layer, name)?.values?.find((x) => x.value === v);
      return c ? label(c) : String(v ?? '');
    },
    /** values lists a field's allowed values in display order, each {value, label}. */
    values: (layer, name) => (fieldOf(layer, name)?.values || []).map((c) => ({ value: c.value, label: label(c) })),
    /** hasField reports whether a layer has a property. */
    hasField: (layer, name) => !!fieldOf(layer, name),
    /** layerNames lists the collections in drawing order. */
    layerNames: () => [...layers.keys()],
    /** list joins words as the current language writes a list: 甲、乙 or a, b. */
    list: (items) => items.join(current === 'en' ? ', ' : '、'),
    /** pick is one of two texts of the data (name_zh, name_en) in the current language. */
    pick: (zh, en) => (current === 'en' ? en || zh : zh || en) || '',
    /** names is a feature's name in the current language, and in the other. */
    names(props) {
      const zh = props.name_zh || props.name_en || '';
      const en = props.name_en || props.name_zh || '';
      return current === 'en' ? [en, zh] : [zh, en];
    },
    /**
     * translate writes the page's fixed words: data-i18n="key" sets an
     * element's text, data-i18n-label="key" its aria-label and title,
     * data-layer-title="layer" its text to a layer's title,
     * data-field-title="layer.field" to a field's; vars fill placeholders.
     */
    translate(root = document, vars = {}) {
      for (const n of root.querySelectorAll('[data-i18n]')) n.textContent = i18n.t(n.dataset.i18n, vars);
      for (const n of root.querySelectorAll('[data-i18n-label]')) {
        const text = i18n.t(n.dataset.i18nLabel, vars);
        n.setAttribute('aria-label', text);
        n.title = text;
      }
      for (const n of root.querySelectorAll('[data-layer-title]')) n.textContent = i18n.layer(n.dataset.layerTitle);
      for (const n of root.querySelectorAll('[data-field-title]')) {
        const [layer, field] = n.dataset.fieldTitle.split('.');
        n.textContent = i18n.field(layer, field);
      }
      document.documentElement.lang = current === 'en' ? 'en' : 'zh-CN';
    },
  };
  return i18n;
}

/** The language to start with: ?lang=, then the session's, then Chinese. */
export function initialLang({ session = true } = {}) {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'zh') return q;
  if (session) {
    try {
      const s = sessionStorage.getItem('partymap.lang');
      if (s === 'en' || s === 'zh') return s;
    } catch { /* private mode */ }
  }
  return 'zh';
}
