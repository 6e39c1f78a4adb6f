// cinerec web UI: DOM helpers shared by the pages (element builder, movie links, messages).

/** Builds an element: h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child, …). */
export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
}

/** Link to a movie page, with a "new" badge for a movie added since the model was trained. */
export function movieLink(m) {
  const link = h('a', { href: `#/movie/${encodeURIComponent(m.id)}`, class: 'movie-link' }, m.title);
  if (!m.new) return link;
  return h('span', {}, link, h('span', { class: 'badge new', title: 'Added since the model was trained' }, 'new'));
}

/** Genre chips linking to the genre's explore page. */
export function genreChips(genres) {
  return h('span', { class: 'chips' }, (genres || []).map((g) => h('a', { class: 'chip', href: `#/explore/${encodeURIComponent(g)}` }, g)));
}

/** A message box ('info' | 'error' | 'ok'). */
export function note(text, kind = 'info') {
  return h('p', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** Replaces the children of `el`. */
export function fill(el, ...kids) {
  el.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false));
  return el;
}

/** "Loading…" placeholder. */
export function loading(what = '') {
  return h('p', { class: 'loading', role: 'status' }, `Loading${what ? ` ${what}` : ''}…`);
}

/** Error text for an exception (adds suggestions / candidates from the API body). */
export function errorText(e) {
  const b = (e && e.body) || {};
  const alts = b.suggestions || b.candidates;
  const extra = alts && alts.length ? ` — did you mean: ${alts.slice(0, 5).map((m) => m.title).join('; ')}?` : '';
  return `${(e && e.message) || e}${extra}`;
}

const USER_STORE = 'cinerec.user';

/** The user chosen last (for predictions and ratings on movie pages). */
export function currentUser() {
  try { return localStorage.getItem(USER_STORE) || ''; } catch { return ''; }
}

/** Remembers the chosen user. */
export function setCurrentUser(u) {
  try { u ? localStorage.setItem(USER_STORE, u) : localStorage.removeItem(USER_STORE); } catch { /* private mode */ }
  document.dispatchEvent(new CustomEvent('cinerec-user', { detail: u }));
}

/** Star-rating buttons 1..5 (radio group semantics); calls onRate(value). */
export function starButtons(current, onRate, label = 'Rate', max = 5) {
  const wrap = h('span', { class: 'stars', role: 'group', 'aria-label': label });
  for (let v = 1; v <= max; v += 1) {
    const on = current !== null && current !== undefined && v <= current;
    wrap.append(h('button', {
      type: 'button', class: on ? 'star on' : 'star', 'aria-pressed': current === v ? 'true' : 'false',
      'aria-label': `${label}: ${v} star${v > 1 ? 's' : ''}`, 'data-value': v, title: `${v}`,
      onclick: () => onRate(v),
    }, '★'));
  }
  return wrap;
}
