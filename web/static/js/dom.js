// Small DOM helpers shared by the viewer's and the editor's modules.

/**
 * el(tag, cls, ...children) makes an element with a class (or none, for a
 * falsy cls) and children: strings and numbers become text, nodes are
 * appended, null, undefined and false are skipped.
 */
export function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  append(e, ...children);
  return e;
}

/** append adds children to parent as el does; returns parent. */
export function append(parent, ...children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(c instanceof Node ? c : String(c));
  }
  return parent;
}

/** button makes a type="button" element that calls onClick. */
export function button(cls, onClick, ...children) {
  const b = el('button', cls, ...children);
  b.type = 'button';
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

/** byId returns the element with that id. */
export const byId = (id) => document.getElementById(id);
