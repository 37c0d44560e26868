// Rebasing a grid's outline: my unsaved edit re-applied onto a colleague's
// newer version, vertex by vertex, never a blind resend of my whole ring.
//
// Rings are [[lon, lat], …] without the closing point. My edit is my ring
// with, for each vertex, the index of the base vertex it came from (-1 for
// one I added): the editor tracks it as it edits. Their version is only a
// ring: its vertices are matched to the base's by position (the same
// point); between two matched ones, the unmatched ones are paired in order,
// nearest first: a pair is their move, the rest their deletions and
// insertions. Then:
//
//   - a base vertex I moved that they left alone takes my position;
//   - one we both moved (or one moved and the other deleted) is a conflict:
//     the user chooses, per vertex, mine or theirs;
//   - a vertex I deleted that they left alone goes;
//   - a vertex I added goes in after the vertex it followed, in theirs;
//   - everything else of theirs stays.
//
// Pure functions: the editor and the tests (node) import them.

/** EPS is how close (degrees, about a millimetre) two points are to be the same vertex. */
export const EPS = 1e-8;

/** same reports whether two points are the same vertex. */
export const same = (p, q) => Math.abs(p[0] - q[0]) <= EPS && Math.abs(p[1] - q[1]) <= EPS;

/** signedArea is a ring's area in square degrees, positive when counter-clockwise. */
export function signedArea(ring) {
  let a = 0;
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i];
    const q = ring[(i + 1) % ring.length];
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

/** sameRing reports whether two rings have the same vertices in the same order. */
export const sameRing = (a, b) => a.length === b.length && a.every((p, i) => same(p, b[i]));

/**
 * diffRing says what their ring did to the base: for each base vertex,
 * { kind: 'same' | 'moved', j } (its index in theirs) or { kind: 'deleted' };
 * inserted lists the indices of theirs that are new. theirs is the ring
 * turned to the base's orientation (it may come back from the server
 * reversed and started elsewhere). Answers null when no vertex of theirs
 * is one of the base's: nothing to anchor a rebase to.
 */
export function diffRing(base, theirsIn) {
  let theirs = theirsIn.map((p) => p.slice());
  if (Math.sign(signedArea(theirs)) !== Math.sign(signedArea(base)) && signedArea(theirs) !== 0) theirs = theirs.reverse();
  const n = base.length;
  const taken = new Set();
  const match = theirs.map((p) => {
    const k = base.findIndex((b, i) => !taken.has(i) && same(b, p));
    if (k >= 0) taken.add(k);
    return k;
  });
  const firstJ = match.findIndex((k) => k >= 0);
  if (firstJ < 0) return null;
  // Anchors: matched vertices in order around both rings.
  const k0 = match[firstJ];
  const anchors = [];
  let lastPos = -1;
  for (let s = 0; s < theirs.length; s++) {
    const j = (firstJ + s) % theirs.length;
    const k = match[j];
    if (k < 0) continue;
    const pos = (k - k0 + n) % n;
    if (pos > lastPos) {
      anchors.push({ j, k });
      lastPos = pos;
    }
  }
  const of = new Array(n).fill(null);
  const inserted = new Set();
  for (let a = 0; a < anchors.length; a++) {
    const from = anchors[a];
    const to = anchors[(a + 1) % anchors.length];
    of[from.k] = { kind: 'same', j: from.j };
    // With one anchor, from and to are the same: the runs go all the way
    // round, back to it.
    const bRun = [];
    for (let k = (from.k + 1) % n; k !== to.k; k = (k + 1) % n) bRun.push(k);
    const tRun = [];
    for (let j = (from.j + 1) % theirs.length; j !== to.j; j = (j + 1) % theirs.length) tRun.push(j);
    // Pair the runs in order, nearest first: a paired base vertex moved,
    // the rest of the base run was deleted, the rest of theirs added.
    const pairs = pairRuns(bRun.map((k) => base[k]), tRun.map((j) => theirs[j]));
    bRun.forEach((k) => { of[k] = { kind: 'deleted' }; });
    tRun.forEach((j) => inserted.add(j));
    for (const [bi, ti] of pairs) {
      of[bRun[bi]] = { kind: 'moved', j: tRun[ti] };
      inserted.delete(tRun[ti]);
    }
  }
  return { theirs, of, inserted };
}

// pairRuns pairs as many points of a with points of b as the shorter has,
// in order, with the least total distance: [[i, j], …].
function pairRuns(a, b) {
  const swap = a.length > b.length;
  const [s, l] = swap ? [b, a] : [a, b];
  if (!s.length) return [];
  const d = (p, q) => Math.hypot(p[0] - q[0], p[1] - q[1]);
  // f[i][j]: the least cost of pairing s[0..i) within l[0..j).
  const f = Array.from({ length: s.length + 1 }, () => new Array(l.length + 1).fill(Infinity));
  for (let j = 0; j <= l.length; j++) f[0][j] = 0;
  for (let i = 1; i <= s.length; i++) {
    for (let j = i; j <= l.length; j++) f[i][j] = Math.min(f[i][j - 1], f[i - 1][j - 1] + d(s[i - 1], l[j - 1]));
  }
  const pairs = [];
  for (let i = s.length, j = l.length; i > 0; j--) {
    if (f[i][j] === f[i][j - 1] && j > i) continue;
    pairs.unshift(swap ? [j - 1, i - 1] : [i - 1, j - 1]);
    i--;
  }
  return pairs;
}

/**
 * theirChanges summarises what they changed: the points they moved (where
 * to), added and removed, for the banner and the map.
 */
export function theirChanges(base, theirs) {
  const d = diffRing(base, theirs);
  if (!d) return { moved: [], added: [], removed: [], unanchored: true };
  const moved = [];
  const removed = [];
  d.of.forEach((o, k) => {
    if (o.kind === 'moved') moved.push({ from: base[k], to: d.theirs[o.j], k });
    if (o.kind === 'deleted') removed.push({ at: base[k], k });
  });
  return { moved, added: [...d.inserted].map((j) => ({ at: d.theirs[j], j })), removed, unanchored: false };
}

/**
 * rebase re-applies my edit (mine, with origin: each vertex's base index or
 * -1) onto theirs. Answers null when it cannot be anchored, else
 * { conflicts, resolve(choices), mineKept, base } where conflicts are
 * [{ id, k, mine, theirs }] (a point, or null for a deleted vertex),
 * resolve({ [id]: 'mine' | 'theirs' }) gives { ring, origin } (a conflict
 * without a choice takes theirs), mineKept counts my changes applied
 * without conflict, and base is their ring as the rebased ring's origins
 * index it.
 */
export function rebase(base, mine, origin, theirsIn) {
  const d = diffRing(base, theirsIn);
  if (!d) return null;
  const { theirs, of } = d;
  const where = new Map(); // base index → my vertex index
  origin.forEach((k, i) => { if (k >= 0) where.set(k, i); });
  // entries of their ring, with what I do to them; after[j] my additions.
  const entries = theirs.map((p, j) => ({ p, j, drop: false, conflict: null }));
  const after = new Map();
  const addAfter = (j, item) => {
    if (!after.has(j)) after.set(j, []);
    after.get(j).push(item);
  };
  // imageBefore finds where, in theirs, a base vertex k (or the nearest
  // one before it that they kept) went: my additions go after it.
  const imageBefore = (k) => {
    for (let s = 0; s < base.length; s++) {
      const o = of[(k - s + base.length) % base.length];
      if (o && o.kind !== 'deleted') return o.j;
    }
    return theirs.length - 1;
  };
  const conflicts = [];
  let mineKept = 0;
  base.forEach((b, k) => {
    const t = of[k];
    const i = where.get(k);
    const mineDeleted = i === undefined;
    const mineMoved = !mineDeleted && !same(mine[i], b);
    if (!mineDeleted && !mineMoved) return;
    if (t.kind === 'same') {
      mineKept += 1;
      if (mineDeleted) entries[t.j].drop = true;
      else entries[t.j].p = mine[i].slice();
      return;
    }
    if (t.kind === 'deleted' && mineDeleted) return; // both removed it
    const c = { id: `v${k}`, k, mine: mineDeleted ? null : mine[i].slice(), theirs: t.kind === 'moved' ? theirs[t.j].slice() : null };
    conflicts.push(c);
    if (t.kind === 'moved') entries[t.j].conflict = c;
    else addAfter(imageBefore(k), { p: c.mine, conflict: c });
  });
  // My added vertices, in order, after the base vertex they followed.
  let prevK = -1;
  const n = mine.length;
  const start = origin.findIndex((k) => k >= 0);
  for (let s = 0; s < n; s++) {
    const i = (start + s) % n;
    if (origin[i] >= 0) {
      prevK = origin[i];
      continue;
    }
    mineKept += 1;
    addAfter(prevK >= 0 ? imageBefore(prevK) : theirs.length - 1, { p: mine[i].slice(), conflict: null });
  }
  return {
    conflicts,
    mineKept,
    base: theirs,
    resolve(choices = {}) {
      const ring = [];
      const orig = [];
      const pick = (c) => choices[c.id] === 'mine';
      entries.forEach((e) => {
        let keep = !e.drop;
        let p = e.p;
        if (e.conflict) {
          if (pick(e.conflict)) {
            if (e.conflict.mine === null) keep = false;
            else p = e.conflict.mine;
          }
        }
        if (keep) {
          ring.push(p.slice());
          orig.push(e.j);
        }
        for (const a of after.get(e.j) || []) {
          if (a.conflict && !pick(a.conflict)) continue;
          ring.push(a.p.slice());
          orig.push(-1);
        }
      });
      return { ring, origin: orig };
    },
  };
}
