// cinerec web UI: the shell — hash router, title search with autocomplete, menu, status line.
// Plain ES modules served from the binary; no build step, no third-party code.

import { api } from './api.js';
import { h, fill, note, errorText } from './dom.js';
import * as pages from './pages.js';
import { dashboard } from './dashboard.js';
import { runs } from './runs.js';
import { addMovie } from './admin.js';

const main = document.getElementById('main');

const routes = [
  [/^$/, () => pages.home(main)],
  [/^search\/(.+)$/, (q) => pages.searchResults(main, q)],
  [/^movie\/(.+)$/, (id) => pages.movie(main, id)],
  [/^user\/?$/, () => pages.userChooser(main)],
  [/^user\/(.+)$/, (id) => pages.user(main, id)],
  [/^new\/?$/, () => pages.newVisitor(main)],
  [/^explore\/?$/, () => pages.explore(main, '')],
  [/^explore\/(.+)$/, (g) => pages.explore(main, g)],
  [/^dashboard\/?$/, () => dashboard(main)],
  [/^runs\/?$/, () => runs(main)],
  [/^add-movie\/?$/, () => addMovie(main)],
];

let navSeq = 0;
let firstRoute = true;

/** Renders the page for the current location hash. */
async function route() {
  const path = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const seq = ++navSeq;
  closeList();
  document.getElementById('nav').classList.remove('open');
  document.getElementById('menu').setAttribute('aria-expanded', 'false');
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('href').replace(/^#\/?/, '');
    const cur = target ? path.startsWith(target) : path === '';
    if (cur) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  for (const [re, fn] of routes) {
    const m = path.match(re);
    if (m) {
      try {
        await fn(...m.slice(1));
      } catch (e) {
        if (seq === navSeq) fill(main, note(errorText(e), 'error'));
      }
      // Move focus to the new content on navigation (not on first load, so Tab starts at the top).
      if (seq === navSeq && !firstRoute) main.focus({ preventScroll: true });
      firstRoute = false;
      return;
    }
  }
  fill(main, h('h1', {}, 'Not found'), note(`No page at “${path}”.`, 'error'), h('p', {}, h('a', { href: '#/' }, 'Back to popular movies')));
}

// ---- search with autocomplete (WAI-ARIA combobox) ----
const input = document.getElementById('q');
const list = document.getElementById('q-list');
let items = [];
let active = -1;
let timer = 0;
let reqSeq = 0;

function closeList() {
  list.hidden = true;
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
  active = -1;
}

function renderList() {
  fill(list, items.map((m, k) => h('li', {
    id: `q-opt-${k}`, role: 'option', 'aria-selected': k === active ? 'true' : 'false',
    class: k === active ? 'active' : '', 'data-id': m.id,
    onmousedown: (e) => { e.preventDefault(); go(m); },
  }, h('span', { class: 'opt-title' }, m.title), h('span', { class: 'opt-genres' }, (m.genres || []).join(', ')))));
  const open = items.length > 0;
  list.hidden = !open;
  input.setAttribute('aria-expanded', open ? 'true' : 'false');
  if (active >= 0) input.setAttribute('aria-activedescendant', `q-opt-${active}`);
  else input.removeAttribute('aria-activedescendant');
}

function go(m) {
  closeList();
  input.value = '';
  location.hash = `#/movie/${encodeURIComponent(m.id)}`;
}

input.addEventListener('input', () => {
  clearTimeout(timer);
  const q = input.value.trim();
  if (!q) { items = []; closeList(); return; }
  timer = setTimeout(async () => {
    const seq = ++reqSeq;
    try {
      const page = await api.movies({ q, limit: 8 });
      if (seq !== reqSeq) return;
      items = page.items;
      active = -1;
      renderList();
    } catch { items = []; closeList(); }
  }, 120);
});

input.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown' && items.length) { e.preventDefault(); active = (active + 1) % items.length; renderList(); }
  else if (e.key === 'ArrowUp' && items.length) { e.preventDefault(); active = (active - 1 + items.length) % items.length; renderList(); }
  else if (e.key === 'Escape') { closeList(); }
  else if (e.key === 'Enter' && active >= 0 && items[active]) { e.preventDefault(); go(items[active]); }
});
input.addEventListener('blur', () => setTimeout(closeList, 150));

document.getElementById('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = input.value.trim();
  if (!q) return;
  closeList();
  location.hash = `#/search/${encodeURIComponent(q)}`;
});

document.getElementById('menu').addEventListener('click', (e) => {
  const nav = document.getElementById('nav');
  const open = nav.classList.toggle('open');
  e.currentTarget.setAttribute('aria-expanded', open ? 'true' : 'false');
});
document.getElementById('skip').addEventListener('click', () => main.focus());

/** Refreshes the status line from GET /health. */
export async function refreshStatus() {
  const el = document.getElementById('status');
  try {
    const s = await api.health();
    fill(el, `Serving ${s.algorithm} (model v${s.model_version}) · ${s.users.toLocaleString()} users · ${s.movies.toLocaleString()} movies · ${s.ratings.toLocaleString()} ratings · ${s.live_changes} live changes · store: ${s.store} · `, h('a', { href: '/docs' }, 'API docs'));
  } catch (e) {
    fill(el, note(`Server unreachable: ${errorText(e)}`, 'error'));
  }
}

window.addEventListener('hashchange', route);
document.addEventListener('cinerec-changed', refreshStatus);
route();
refreshStatus();
