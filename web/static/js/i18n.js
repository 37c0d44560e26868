// The viewer's two languages. Chinese is the default; the choice is kept
// for the session so that a reload keeps it (the kiosk resets it when idle).

const strings = {
  title: ['西岳社区党建地图', 'Xiyue Community Party-Building Map'],
  subtitle: ['岳庙街道 · 华阴市', 'Yuemiao Subdistrict · Huayin'],
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
  layerOrganizations: ['党组织红旗', 'Party flags'],
  layerGrids: ['网格', 'Grids'],
  layerCompounds: ['小区', 'Compounds'],
  layerBuildings: ['楼栋', 'Buildings'],
  layerPosts: ['服务站点', 'Service posts'],
  layerParking: ['共享停车', 'Shared parking'],
  loading: ['正在加载…', 'Loading…'],
  loadFailed: ['暂时无法加载，请稍后再试。', 'Could not load this now; please try again.'],
  findUnavailable: ['查找功能暂不可用。', 'Finding is not available yet.'],
  linkCopied: ['链接已复制', 'Link copied'],
  scanToOpen: ['手机扫码查看', 'Scan to open on your phone'],
  grid: ['网格', 'Grid'],
  gridLeader: ['网格长', 'Grid leader'],
  phone: ['电话', 'Phone'],
  partyBranch: ['网格党支部', 'Party branch'],
  households: ['户数', 'Households'],
  buildingsCount: ['楼栋数', 'Buildings'],
  members: ['党员', 'Party members'],
  hierarchy: ['隶属关系', 'Belongs to'],
  level: ['层级', 'Level'],
  services: ['服务', 'Services'],
  hours: ['开放时间', 'Opening hours'],
  openNow: ['正在开放', 'Open now'],
  closedNow: ['现已关闭', 'Closed now'],
  freeSpaces: ['空余车位', 'Free spaces'],
  capacity: ['总车位', 'Spaces'],
  fee: ['收费', 'Fee'],
  full: ['已满', 'Full'],
  floors: ['层数', 'Floors'],
  height: ['高度', 'Height'],
  compound: ['所在小区', 'Compound'],
  metres: ['米', 'm'],
  floorsUnit: ['层', 'floors'],
  householdsUnit: ['户', 'households'],
  membersUnit: ['名', 'members'],
  spacesUnit: ['个', 'spaces'],
};

const labels = {
  kind: {
    street_committee: ['街道党工委', 'Subdistrict party committee'],
    community_branch: ['社区党总支', 'Community party branch'],
    grid_branch: ['网格党支部', 'Grid party branch'],
    building_group: ['楼门党小组', 'Building party group'],
    co_building_unit: ['共建单位', 'Co-building unit'],
    business_circle: ['商圈联合党组织', 'Business-circle party organization'],
    non_public: ['非公企业党组织', 'Non-public enterprise party organization'],
    cabin: ['党建驿站小屋', 'Party service cabin'],
    service_hall: ['一站式服务大厅', 'One-stop service hall'],
    rep_studio: ['党代表工作室', 'Party representative studio'],
    activity_room: ['共享活动室', 'Shared activity room'],
    cultural_space: ['文化空间', 'Cultural space'],
    library: ['共享书屋', 'Shared library'],
    temple: ['寺庙', 'Temple'],
    village: ['村落', 'Village'],
    park: ['公园', 'Park'],
    square: ['广场', 'Square'],
    public: ['公共设施', 'Public building'],
    pedestrian: ['步行街', 'Pedestrian street'],
    main: ['主干道', 'Main road'],
    minor: ['巷道', 'Lane'],
  },
  service: {
    water: ['饮水', 'Drinking water'],
    charging: ['手机充电', 'Phone charging'],
    first_aid: ['急救药箱', 'First aid'],
    umbrella: ['借伞', 'Umbrella loan'],
    map: ['地图导览', 'Maps'],
    wifi: ['无线网络', 'Wi-Fi'],
    rest: ['休息座椅', 'Rest'],
  },
  layer: {
    organizations: ['党组织', 'Party organization'],
    grids: ['网格', 'Grid'],
    compounds: ['小区', 'Compound'],
    buildings: ['楼栋', 'Building'],
    posts: ['服务站点', 'Service post'],
    parking: ['共享停车场', 'Shared parking'],
    landmarks: ['地标', 'Landmark'],
    streets: ['街道', 'Street'],
  },
};

/** Creates the language state: lang(), setLang(l), onChange(fn), t(key). */
export function createI18n(initial) {
  let current = initial === 'en' ? 'en' : 'zh';
  const listeners = new Set();
  const index = () => (current === 'en' ? 1 : 0);
  return {
    lang: () => current,
    setLang(l) {
      const next = l === 'en' ? 'en' : 'zh';
      if (next === current) return;
      current = next;
      try { sessionStorage.setItem('partymap.lang', current); } catch { /* private mode */ }
      for (const fn of [...listeners]) fn(current);
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** The string for key in the current language. */
    t(key) {
      const s = strings[key];
      return s ? s[index()] : key;
    },
    /** A label of a group ("kind", "service", "layer") for a value. */
    label(group, value) {
      const s = labels[group]?.[value];
      return s ? s[index()] : String(value ?? '');
    },
    /** The feature's name in the current language, and in the other. */
    names(props) {
      const zh = props.name_zh || props.name_en || '';
      const en = props.name_en || props.name_zh || '';
      return current === 'en' ? [en, zh] : [zh, en];
    },
  };
}

/** The language to start with: ?lang=, then the session's, then Chinese. */
export function initialLang() {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'zh') return q;
  try {
    const s = sessionStorage.getItem('partymap.lang');
    if (s === 'en' || s === 'zh') return s;
  } catch { /* private mode */ }
  return 'zh';
}
