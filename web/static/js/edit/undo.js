// Undo and redo of the edits made before saving: each step keeps the shape
// as it was (a ring with its vertices' origins, or a point).

/** createUndo returns { remember, undo, redo, clear, canUndo, canRedo }. */
export function createUndo() {
  let past = [];
  let future = [];
  const copy = (s) => (s.ring ? { ring: s.ring.map((p) => p.slice()), origin: s.origin.slice() } : { point: s.point.slice() });
  return {
    /** remember keeps the shape as it was before a change; it ends any redo. */
    remember(before) {
      past.push(copy(before));
      future = [];
    },
    /** undo gives the shape before the last change (now is the shape as it is), or null. */
    undo(now) {
      if (!past.length) return null;
      future.push(copy(now));
      return past.pop();
    },
    /** redo gives back the shape an undo took away, or null. */
    redo(now) {
      if (!future.length) return null;
      past.push(copy(now));
      return future.pop();
    },
    clear() {
      past = [];
      future = [];
    },
    canUndo: () => past.length > 0,
    canRedo: () => future.length > 0,
  };
}
