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
  home: ['全图', 'Whole map'],
  zoomIn: ['放大', 'Zoom in'],
  zoomOut: ['缩小', 'Zoom out'],
  rotateLeft: ['左转', 'Turn left'],
  rotateRight: ['右转', 'Turn right'],
  tiltUp: ['平视', 'Look ahead'],
  tiltDown: ['俯视', 'Look down'],
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
  // ---- the activities column and the venues' weeks (whatson.js, cards.js) ----
  whatsOn: ['今日活动', "What's on"],
  today: ['今天', 'Today'],
  thisWeek: ['本周', 'This week'],
  noActivities: ['这段时间没有活动。', 'Nothing on in this time.'],
  scanToCalendar: ['扫码加入手机日历', 'Scan to add it to your calendar'],
  addToCalendar: ['加入日历', 'Add to calendar'],
  showOnMap: ['在地图上查看', 'Show on the map'],
  venueWeek: ['本周场馆安排', "This week's bookings"],
  busy: ['已预约', 'Booked'],
  free: ['空闲', 'Free'],
  allFree: ['全天空闲', 'Free all day'],
  howToBook: ['如何预约', 'How to book'],
  membersOnly: ['党员活动', 'For party members'],
  sharedResources: ['共享资源', 'Shares with the community'],
  // ---- the venue desk (venues.html, venues.js) ----
  venueDesk: ['场馆预约', 'Venue bookings'],
  weekBefore: ['上一周', 'Week before'],
  weekAfter: ['下一周', 'Week after'],
  dragToRequest: ['在某一天的空闲时段上拖动，为本网格的党组织申请预约；场馆所在网格的工作人员或管理员确认。', "Drag down a day's free half-hours to ask for them for one of your grid's organizations; the venue's grid staff or an administrator confirms."],
  forOrganization: ['预约单位', 'For'],
  purpose: ['用途', 'Purpose'],
  sendRequest: ['提交申请', 'Ask for it'],
  waiting: ['待确认', 'Waiting'],
  nothingWaiting: ['没有待确认的预约。', 'Nothing is waiting.'],
  confirmBooking: ['确认', 'Confirm'],
  declineBooking: ['拒绝', 'Decline'],
  bookingRequested: ['已提交申请，等待确认。', 'Asked for; waiting for the keeper.'],
  bookingConfirmed: ['已确认。', 'Confirmed.'],
  bookingDeclined: ['已拒绝。', 'Declined.'],
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

  // ---- the way there (route.js, cards.js) and the offline map (sw.js, offline.js) ----
  takeMeThere: ['带我去', 'Take me there'],
  directions: ['导航：', 'Directions:'],
  mapRegion: ['三维地图', '3D map'],
  cardRegion: ['详情', 'Details'],
  cameraRegion: ['地图操作', 'Map controls'],
  routeLoading: ['正在找路…', 'Finding the way…'],
  routeFailed: ['暂时无法找路，请稍后再试。', 'Could not find the way now; please try again.'],
  walkSummary: ['步行 {min} 分钟 · {m} 米', '{min} min walk · {m} m'],
  scanRoute: ['手机扫码，带着路线走', 'Scan to take the way on your phone'],
  routeStart: ['起', 'Start'],
  routeEnd: ['终', 'End'],
  yourPosition: ['您的位置', 'Your position'],
  offlineBadge: ['离线 — 显示已保存的地图', 'Offline — showing the saved map'],

  // ---- the north arrow (kiosk.js) and the phone's menu of the top bar (topbar.js, index.html) ----
  northLetter: ['北', 'N'],
  northLabel: ['北 — 让地图朝向正北', 'N — turn the map to face north'],
  more: ['更多', 'More'],
  moreLabel: ['更多：图层、今日活动、问题墙', "More: layers, what's on, the problem wall"],

  // ---- the staff editor (edit.html, edit/*.js) ----
  editTitle: ['{name} · 编辑', '{name} · Staff editor'],
  logOut: ['退出', 'Log out'],
  user: ['用户名', 'User'],
  password: ['密码', 'Password'],
  logIn: ['登录', 'Log in'],
  roleEditor: ['编辑', 'editor'],
  roleAdmin: ['管理员', 'admin'],
  whoLine: ['{name}（{role} · {scope}）', '{name} ({role} · {scope})'],
  scopeAll: ['全部网格', 'all grids'],
  hintGrids: ['选一个网格开始编辑：拖动顶点，拖动边的中点可加点，右键点删除顶点；会吸附到相邻网格。', 'Pick a grid to edit: drag its vertices, drag an edge’s midpoint to add one, right-click a vertex to remove it. Vertices snap to the neighbouring grids.'],
  hintPoints: ['点击并拖动{layer}到新位置。', '{layer}: drag one to its new place.'],
  hintParking: ['点击{layer}，修改{fields}。', '{layer}: click one to update {fields}.'],
  keysHelpTitle: ['键盘操作', 'Keyboard'],
  keysHelp: ['键盘：[ 和 ] 选顶点，方向键移动（按住 Shift 移得更远），Delete 删除顶点，Insert 加点；Ctrl+Z 撤销，Ctrl+Shift+Z 重做，Ctrl+Enter 保存，Esc 取消。', 'Keys: [ and ] pick a vertex, the arrows move it (with Shift, further), Delete removes it, Insert adds one; Ctrl+Z undo, Ctrl+Shift+Z redo, Ctrl+Enter save, Esc cancel.'],
  mapLabel: ['地图：选中网格后可用键盘编辑它的顶点', 'Map: with a grid picked, edit its vertices with the keyboard'],
  findGrid: ['找网格', 'Find a grid'],
  gridSearch: ['网格编号或名称', 'Grid code or name'],
  gridSearchPlaceholder: ['如 XY07、第七网格', 'e.g. XY07, Grid 7'],
  myGrids: ['我负责的网格', 'My grids'],
  otherGrids: ['其他网格', 'Other grids'],
  allGrids: ['全部网格', 'All grids'],
  noGridMatch: ['没有找到这个网格。', 'No grid matches.'],
  notMine: ['他人负责 · 可提议修改', 'not yours · propose a change'],
  notMineShort: ['可提议修改', 'propose a change'],
  version: ['第 {v} 版', 'version {v}'],
  selNotMine: ['{grid}不归你负责：你的修改会作为提案，交给它的负责人同意后生效。', '{grid} is not yours: your change goes to its editors as a proposal.'],
  undo: ['撤销', 'Undo'],
  redo: ['重做', 'Redo'],
  undoLabel: ['撤销上一步（Ctrl+Z）', 'Undo the last step (Ctrl+Z)'],
  redoLabel: ['重做（Ctrl+Shift+Z）', 'Redo (Ctrl+Shift+Z)'],
  save: ['保存', 'Save'],
  propose: ['提交提案', 'Submit proposal'],
  comment: ['说明（为什么这样改）', 'Comment (why this change)'],
  commentPlaceholder: ['如：按街道办 12 月通知调整', 'e.g. as the subdistrict’s December notice says'],
  needComment: ['调整边界需要写明原因：请填写说明。', 'A boundary change needs a comment saying why.'],
  checking: ['检查中…', 'Checking…'],
  nothingToSave: ['没有改动，无需保存。', 'Nothing changed; nothing to save.'],
  readyToSave: ['✓ 可以保存，将更新：{list}', '✓ Ready to save; it updates {list}'],
  saved: ['✓ 已保存（修改记录 #{id}）', '✓ Saved (change set #{id})'],
  changeLine: ['{name}（第 {v} 版）', '{name} (version {v})'],
  proposeReady: ['这次修改涉及{grids}，不在你负责的范围内。可以提交提案，由{grids}的负责人同意后生效。', 'This change touches {grids}, which you do not look after. Submit it as a proposal: it takes effect once the editors of {grids} agree.'],
  proposed: ['✓ 提案已提交（#{id}），等待{grids}的负责人同意。', '✓ Proposal #{id} submitted; waiting for the editors of {grids}.'],
  areaLine: ['{name}：增加 {gain} 平方米，减少 {loss} 平方米', '{name}: gains {gain} m², loses {loss} m²'],
  refused: ['不能保存：', 'Cannot be saved:'],
  err401: ['登录已过期，请重新登录。', 'Your login has ended; log in again.'],
  err403: ['你没有权限做这项修改。', 'You may not make this change.'],
  err404: ['找不到这一项，可能已被删除。', 'Not found; it may have been deleted.'],
  err409: ['这项操作已被后来的修改取代。', 'A later change stands in the way of this.'],
  err429: ['尝试次数太多，请稍后再试。', 'Too many attempts; try again later.'],
  err5xx: ['服务器暂时无法处理，请稍后再试。', 'The server cannot do this right now; try again shortly.'],
  errOther: ['出错了（{status}）。', 'Something went wrong ({status}).'],
  theirSave: ['{who} 在 {when} 保存了{name}（第 {v} 版）。', '{who} saved {name} (version {v}) at {when}.'],
  theirMoves: ['对方移动了 {moved} 个顶点，新增 {added} 个，删除 {removed} 个。地图上橙色虚线是对方的边界，红色是你的。', 'They moved {moved} vertices, added {added} and removed {removed}. Their outline is the dashed orange line, yours the red one.'],
  theirNoShape: ['对方没有改动边界。', 'They did not change the outline.'],
  theirDeleted: ['{who} 删除了{name}。', '{who} deleted {name}.'],
  theirTaken: ['已载入对方的版本。', 'Their version is loaded.'],
  yourEdits: ['你还有未保存的修改：可以采用对方的版本，或在对方的版本上保留你的修改。', 'You have unsaved changes: take theirs, or rebase yours onto theirs.'],
  takeTheirs: ['采用对方的版本', 'Take theirs'],
  rebaseMine: ['在对方版本上保留我的修改', 'Rebase mine onto theirs'],
  dismiss: ['知道了', 'OK'],
  rebaseTitle: ['合并预览', 'Rebase preview'],
  rebaseSummary: ['保留了你的 {mine} 处修改和对方的全部修改；红线是合并后的边界，检查通过后再保存。', 'Kept {mine} of your changes and all of theirs; the red line is the result, checked before you save.'],
  rebaseConflict: ['第 {n} 个顶点你们都改了：', 'You both changed vertex {n}:'],
  useMine: ['用我的', 'Mine'],
  useTheirs: ['用对方的', 'Theirs'],
  chooseEach: ['请为每个顶点选一个位置，再保存。', 'Choose a position for each vertex, then save.'],
  rebaseImpossible: ['对方的边界和你打开时没有一个相同的顶点，无法自动合并：请采用对方的版本后重新修改。', 'Their outline shares no vertex with the one you opened: take theirs and make your change again.'],
  history: ['历史', 'History'],
  historyLine: ['第 {v} 版 · {what} · {who} · {when}', 'v{v} · {what} · {who} · {when}'],
  historyWith: ['涉及{names}', 'with {names}'],
  historyMore: ['等另外 {n} 项', ' and {n} more'],
  whatReshape: ['边界调整', 'Boundary moved'],
  whatCreate: ['新建', 'Created'],
  whatChange: ['修改{fields}', 'Changed {fields}'],
  whatDelete: ['删除', 'Deleted'],
  whatRevert: ['撤销修改', 'Undone'],
  whatRestore: ['恢复已删除', 'Restored'],
  whatImport: ['导入', 'Imported'],
  whatSeed: ['初始数据', 'Initial data'],
  whatSQL: ['数据库直接修改', 'Changed in the database'],
  whatMigrate: ['系统升级', 'System update'],
  actorSystem: ['系统', 'system'],
  actorSQL: ['数据库管理员', 'database administrator'],
  actorImport: ['命令行导入（{name}）', 'command-line import ({name})'],
  shape: ['形状', 'shape'],
  showChange: ['查看这次修改', 'Show this change'],
  revert: ['恢复此版本', 'Restore this version'],
  csTitle: ['修改记录 #{id}', 'Change set #{id}'],
  csFeature: ['{name}：第 {from} 版 → 第 {to} 版', '{name}: version {from} → {to}'],
  csNew: ['{name}：新建', '{name}: created'],
  csGone: ['{name}：删除', '{name}: deleted'],
  csUndo: ['撤销这次修改', 'Undo this change'],
  csUndone: ['✓ 已撤销（修改记录 #{id}）。', '✓ Undone (change set #{id}).'],
  csLater: ['之后又被修改过，不能整体撤销：', 'Changed again since, so it cannot be undone as a whole:'],
  csLaterLine: ['{name} 第 {v} 版 · {who} · {when}', '{name} v{v} · {who} · {when}'],
  csRevertedBy: ['已被修改记录 #{id} 撤销。', 'Undone by change set #{id}.'],
  csProposal: ['采纳自提案 #{id}', 'from proposal #{id}'],
  legendBefore: ['虚线：修改前；实线：修改后', 'Dashed: before; solid: after'],
  desk: ['提案', 'Proposals'],
  deskEmpty: ['没有提案。', 'No proposals.'],
  deskForMe: ['等我同意', 'Waiting for me'],
  deskMine: ['我的提案', 'My proposals'],
  deskOthers: ['其他提案', 'Other proposals'],
  proposalLine: ['#{id} {grid}边界调整 · {who} · {when}', '#{id} {grid}: boundary change · {who} · {when}'],
  stateOpen: ['等待{grids}同意', 'waiting for {grids}'],
  stateAccepted: ['已采纳（{who} · {when}）', 'accepted ({who} · {when})'],
  stateDeclined: ['已拒绝（{who}）：{note}', 'declined ({who}): {note}'],
  stateWithdrawn: ['已撤回', 'withdrawn'],
  stateStale: ['已过期：提案后{names}又被修改（{who} · {when}），不能采纳；请提案人重新绘制。', 'Stale: {names} changed after it was made ({who} · {when}); it cannot be accepted and must be drawn again.'],
  review: ['在地图上查看', 'Show on the map'],
  accept: ['同意', 'Accept'],
  decline: ['拒绝', 'Decline'],
  declineReason: ['拒绝的原因（提案人会看到）', 'Why you decline (the proposer reads it)'],
  withdraw: ['撤回', 'Withdraw'],
  acceptedDone: ['✓ 已同意，修改已生效（修改记录 #{id}）。', '✓ Accepted: the change is made (change set #{id}).'],
  agreedWaiting: ['✓ 已同意，仍在等待{grids}。', '✓ Agreed; still waiting for {grids}.'],
  reviewLegend: ['虚线：现在的边界；实线：提案的边界', 'Dashed: the boundary now; solid: as proposed'],
  newBadge: ['新', 'new'],
  discard: ['放弃未保存的修改？', 'Discard your unsaved change?'],
  opInsert: ['新建', 'created'],
  opUpdate: ['修改', 'changed'],
  opDelete: ['删除', 'deleted'],
  // ---- touch editing in the staff editor (edit/grid.js, edit/main.js, edit.html) ----
  hintGridsTouch: ['选一个网格开始编辑：拖动顶点；长按边线加一个顶点；点一下顶点选中它，再按“删除顶点”。会吸附到相邻网格。', 'Pick a grid to edit: drag its vertices; press and hold an edge to add one there; tap a vertex to pick it, then Delete vertex. Vertices snap to the neighbouring grids.'],
  vertexBarName: ['选中的顶点', 'Picked vertex'],
  editMapName: ['编辑地图', 'Map being edited'],
  vertexOf: ['顶点 {n} / {of}', 'Vertex {n} of {of}'],
  deleteVertex: ['删除顶点', 'Delete vertex'],
  minVertices: ['网格至少要有 {n} 个顶点，这个顶点不能删除。', 'A grid needs at least {n} vertices: this one cannot be deleted.'],
  // ---- the problem wall and echo wall (wall.html, wall.js) ----
  wallTitle: ['问题墙 · 回音壁', 'Problem wall · Echo wall'],
  wallShort: ['问题墙', 'Wall'],
  ordersHeat: ['网格待办诉求', 'Open orders by grid'],
  wallToMap: ['返回地图', 'Back to the map'],
  wallSubtitle: ['群众反映的问题与需求，支部领单、党员销单', 'What residents raised, and what the branches did'],
  wallOpen: ['问题墙', 'Problem wall'],
  wallOpenNote: ['正在办理的诉求，按网格', 'Open orders, by grid'],
  wallEcho: ['回音壁', 'Echo wall'],
  wallEchoNote: ['已办结的诉求和答复，最新在前', 'Answered orders, newest first'],
  wallEmpty: ['暂无', 'None yet'],
  wallNoGrid: ['未划入网格', 'In no grid'],
  wallAnsweredBy: ['{branch}答复', 'Answered by {branch}'],
  echoMore: ['全部问题与答复见地图上的“问题墙”。', 'Every order and answer is on the map\'s Wall.'],
  wallReport: ['反映问题 / 我要下单', 'Report a problem / place a need'],
  wallTrack: ['查询进度', 'Follow an order'],
  wallScan: ['用手机扫码，反映问题或下单', 'Scan with your phone to report a problem or place a need'],
  reportKind: ['类型', 'Kind'],
  reportCategory: ['类别', 'Category'],
  reportText: ['内容（最多 1000 字）', 'What is it? (up to 1,000 characters)'],
  reportPlace: ['位置', 'Place'],
  reportUseLocation: ['使用我的位置', 'Use my location'],
  reportLocated: ['已定位：{lon}, {lat}', 'Located: {lon}, {lat}'],
  reportCompound: ['或选择小区', 'or pick a compound'],
  reportPickCompound: ['— 选择小区 —', '— pick a compound —'],
  reportPhone: ['联系电话（选填，仅工作人员可见）', 'Phone (optional, only staff see it)'],
  reportSubmit: ['提交', 'Submit'],
  reportSending: ['正在提交…', 'Sending…'],
  reportDone: ['已提交，工作人员审核后公开。请记下查询码：', 'Sent: staff will check it, then it shows on the wall. Keep your tracking code:'],
  reportTrackLink: ['查看进度', 'Follow it'],
  reportNeedPlace: ['请使用您的位置或选择小区。', 'Use your location or pick a compound.'],
  trackCode: ['查询码', 'Tracking code'],
  trackLook: ['查询', 'Look up'],
  trackConfirm: ['满意，确认办结', 'Satisfied: confirm'],
  trackReopen: ['不满意，重新办理', 'Not solved: reopen'],
  trackReason: ['请说明原因（选填）', 'Why (optional)'],
  trackStatus: ['状态：{status}', 'Status: {status}'],
  back: ['返回', 'Back'],
  // ---- the staff's orders desk (desk.html, orderdesk.js) ----
  ordersDeskTitle: ['诉求工作台', 'Orders desk'],
  ordersDeskName: ['用户名', 'User name'],
  ordersDeskPassword: ['密码', 'Password'],
  ordersDeskLogin: ['登录', 'Log in'],
  ordersDeskWho: ['{name}（{scope}）', '{name} ({scope})'],
  ordersDeskWholeCity: ['全部网格', 'every grid'],
  ordersDeskGrid: ['网格', 'Grid'],
  ordersDeskAll: ['全部', 'All'],
  ordersDeskOverdue: ['只看超时', 'Overdue only'],
  ordersDeskOverdueBadge: ['超时', 'Overdue'],
  ordersDeskExport: ['导出 CSV（近 30 天）', 'Export CSV (30 days)'],
  ordersDeskPublish: ['审核公开', 'Publish'],
  ordersDeskReject: ['不予采纳', 'Reject'],
  ordersDeskRejectReason: ['不予采纳的理由（提交人可见）', 'Why (the submitter reads it)'],
  ordersDeskClaim: ['支部领单', 'Claim for the branch'],
  ordersDeskAssign: ['派给党员', 'Assign'],
  ordersDeskPickMember: ['— 选择党员 —', '— pick a member —'],
  ordersDeskAnswer: ['答复（公开）', 'Answer (public)'],
  ordersDeskClose: ['销单并答复', 'Close with the answer'],
  ordersDeskPhone: ['联系电话：{phone}', 'Phone: {phone}'],
  ordersDeskEmpty: ['没有符合条件的诉求', 'No order matches'],
  ordersDeskMembers: ['党员积分', 'Members and points'],
  ordersDeskMemberName: ['党员姓名', 'Member'],
  ordersDeskPoints: ['积分', 'Points'],
  ordersDeskMemberPublic: ['同意公开', 'Show publicly'],
  ordersDeskMove: ['移到该小区', 'Move into it'],
  ordersDeskPickCompound: ['— 位置有误？选择小区 —', '— wrong place? pick a compound —'],
  ordersDeskAddMember: ['添加党员', 'Add member'],
  // ---- a calmer map: taps that hit several things, committees' cards (tap.js, cards.js) ----
  tapChoice: ['这里有 {n} 个地方', '{n} things here'],
  tapChoiceHint: ['请选择要查看的一个', 'Pick the one to open'],
  orgLeads: ['下辖', 'Leads'],
  orgLedCount: ['{kind} {n} 个', '{kind}: {n}'],
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
    /**
     * when writes an instant the server sends (RFC 3339) as people here read
     * it: in China Standard Time whatever the device's zone, the date and,
     * with time: true, the hour ("12月3日 07:05", "3 Dec 07:05").
     */
    when(iso, { time = false } = {}) {
      const d = new Date(iso || '');
      if (Number.isNaN(d.getTime())) return '';
      const opts = { timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric' };
      if (time) Object.assign(opts, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      return d.toLocaleString(current === 'en' ? 'en-GB' : 'zh-CN', opts);
    },
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
      // data-i18n-name="key": a landmark's name, in the page's language
      for (const n of root.querySelectorAll('[data-i18n-name]')) n.setAttribute('aria-label', i18n.t(n.dataset.i18nName, vars));
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

/**
 * The language to start with: ?lang=, then the session's, then (browser:
 * true, the staff editor) the browser's first language that is Chinese or
 * English, then Chinese.
 */
export function initialLang({ session = true, browser = false } = {}) {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'zh') return q;
  if (session) {
    try {
      const s = sessionStorage.getItem('partymap.lang');
      if (s === 'en' || s === 'zh') return s;
    } catch { /* private mode */ }
  }
  if (browser) {
    for (const l of navigator.languages || [navigator.language || '']) {
      if (/^zh\b/i.test(l)) return 'zh';
      if (/^en\b/i.test(l)) return 'en';
    }
  }
  return 'zh';
}
