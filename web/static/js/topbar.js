// The phone's top bar: the map's title, the language, Find, and a menu
// button (☰ 更多 / More) that holds the layers, What's on and the problem
// wall. Five buttons in a row left a 390-px phone no room for the title
// (issue 15); behind the menu each is two taps away, the language and Find
// one. The menu is a disclosure (aria-expanded on its button), not an ARIA
// menu: its items are the page's own buttons and link, reached by Tab right
// after the menu button, and app.js wires them as before. On the kiosk and
// on wide screens the menu button is hidden and its items stand in the bar
// (map.css).

/**
 * createTopbarMenu makes toggle open and close menu: an item chosen, a tap
 * elsewhere or Escape closes it. Returns { open(), close(), isOpen() }.
 */
export function createTopbarMenu(toggle, menu) {
  const bar = toggle.closest('.topbar');
  const isOpen = () => toggle.getAttribute('aria-expanded') === 'true';
  const set = (open) => {
    toggle.setAttribute('aria-expanded', String(open));
    bar.classList.toggle('menu-open', open);
  };
  toggle.addEventListener('click', () => set(!isOpen()));
  // an item's own listener (app.js, whatson.js) runs first, then the menu closes
  menu.addEventListener('click', () => set(false));
  document.addEventListener('pointerdown', (e) => {
    if (isOpen() && !toggle.contains(e.target) && !menu.contains(e.target)) set(false);
  }, { capture: true, passive: true });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !isOpen()) return;
    set(false);
    toggle.focus();
  });
  set(false);
  return { open: () => set(true), close: () => set(false), isOpen };
}
