// The editor's keys: Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo,
// Ctrl+Enter saves, Esc cancels the edit (or the selection); with a grid
// picked, [ and ] pick a vertex, the arrows move it (with Shift, further;
// a burst of presses is one step to undo and one check), Delete (or
// Backspace) removes it as the Delete vertex button does, and Insert adds
// one after it. A picked point moves by the arrows too.
// Keys typed into a field are the field's.

import { drawShape, nudge } from './grid.js';

/**
 * installKeys listens to the page's keys. ctx: { map, state (its shape is
 * edited), undo (the stack), changed(), remove(i) (takes a vertex out, or
 * says why not), save(), cancel(), deselect(), isDirty() }. Returns { undo, redo }, for the buttons.
 */
export function installKeys({ map, state, undo, changed, remove, save, cancel, deselect, isDirty }) {
  const snapshotOf = (sh) => (sh.ring ? { ring: sh.ring, origin: sh.origin } : { point: sh.point });
  function restore(prev) {
    if (!prev) return;
    if (prev.ring) Object.assign(state.shape, { ring: prev.ring, origin: prev.origin, active: undefined });
    else state.shape.point = prev.point;
    drawShape(map, state.shape);
    changed();
  }
  const doUndo = () => state.shape && restore(undo.undo(snapshotOf(state.shape)));
  const doRedo = () => state.shape && restore(undo.redo(snapshotOf(state.shape)));

  let nudging = null; // the timer of a burst of arrow keys: one undo step, one check
  document.addEventListener('keydown', (ev) => {
    const typing = ev.target.closest?.('input, textarea, select');
    const mod = ev.ctrlKey || ev.metaKey;
    const key = ev.key.toLowerCase();
    if (mod && key === 'enter') {
      ev.preventDefault();
      save();
      return;
    }
    if (typing) {
      if (ev.key === 'Escape') ev.target.blur();
      return;
    }
    if (mod && key === 'z') {
      ev.preventDefault();
      if (ev.shiftKey) doRedo();
      else doUndo();
      return;
    }
    if (mod && key === 'y') {
      ev.preventDefault();
      doRedo();
      return;
    }
    if (ev.key === 'Escape') {
      if (isDirty()) cancel();
      else if (state.sel) deselect();
      return;
    }
    const sh = state.shape;
    if (!sh || mod || ev.altKey || ev.target.closest?.('button, a')) return;
    if (sh.ring && (ev.key === '[' || ev.key === ']')) {
      ev.preventDefault();
      const len = sh.ring.length;
      sh.active = sh.active === undefined ? 0 : (sh.active + (ev.key === ']' ? 1 : len - 1)) % len;
      drawShape(map, sh);
      return;
    }
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (arrows[ev.key] && (sh.point || sh.active !== undefined)) {
      ev.preventDefault();
      if (!nudging) undo.remember(snapshotOf(sh));
      clearTimeout(nudging);
      const step = ev.shiftKey ? 12 : 3;
      nudge(map, sh, arrows[ev.key][0] * step, arrows[ev.key][1] * step);
      drawShape(map, sh);
      nudging = setTimeout(() => {
        nudging = null;
        changed();
      }, 400);
      return;
    }
    if (sh.ring && sh.active !== undefined && (ev.key === 'Delete' || ev.key === 'Backspace')) {
      ev.preventDefault();
      const i = sh.active;
      // The next vertex is picked: Delete again removes it too.
      if (remove(i)) {
        sh.active = Math.min(i, sh.ring.length - 1);
        drawShape(map, sh);
      }
      return;
    }
    if (sh.ring && sh.active !== undefined && (ev.key === 'Insert' || ev.key === '+')) {
      ev.preventDefault();
      undo.remember(snapshotOf(sh));
      const a = sh.ring[sh.active];
      const b = sh.ring[(sh.active + 1) % sh.ring.length];
      sh.ring.splice(sh.active + 1, 0, [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
      sh.origin.splice(sh.active + 1, 0, -1);
      sh.active += 1;
      drawShape(map, sh);
      changed();
    }
  });
  return { undo: doUndo, redo: doRedo };
}
