// cinerec web UI: the pages — popular, explore by genre, search results, movie, user
// (recommendations with toggles + editable ratings), user chooser and the new-visitor flow.

import { api, setApiKey, apiKey } from './api.js';
import { barChart } from './charts.js';
import {
  h, fill, note, loading, errorText, movieLink, genreChips, currentUser, setCurrentUser, starButtons,
} from './dom.js';

const changed = () => document.dispatchEvent(new CustomEvent('cinerec-changed'));

function title(text) {
  document.title = text ? `${text} · cinerec` : 'cinerec';
  return h('h1', {}, text);
}

function movieRow(m, ...extra) {
  return h('li', { class: 'movie', 'data-id': m.id },
    h('div', { class: 'movie-main' }, movieLink(m), m.year && !String(m.title).includes(`(${m.year})`) ? ` (${m.year})` : ''),
    genreChips(m.genres), ...extra);
}

let genreCache = null;
/** Genre names with counts (from the dashboard statistics, fetched once). */
async function genres() {
  if (!genreCache) genreCache = api.stats().then((s) => s.genres).catch(() => []);
  return genreCache;
}

/** A <select> of genres with an "any" entry. */
async function genreSelect(id, value, onchange) {
  const list = await genres();
  return h('select', { id, onchange },
    h('option', { value: '' }, 'Any genre'),
    list.map((g) => h('option', { value: g.genre, selected: g.genre === value }, g.genre)));
}

// ---------------------------------------------------------------- popular / explore
/** Home: the most-rated movies, with genre shortcuts. */
export async function home(main) {
  fill(main, title('Popular movies'), loading());
  const [pop, gs] = await Promise.all([api.popular({ n: 30 }), genres()]);
  fill(main,
    title('Popular movies'),
    h('p', { class: 'lead' }, 'The most-rated movies. Search above, pick a genre, ',
      h('a', { href: '#/new' }, 'rate a few movies for instant recommendations'), ', or open ',
      h('a', { href: '#/user' }, 'a user’s recommendations'), '.'),
    h('nav', { class: 'genre-bar', 'aria-label': 'Genres' }, gs.map((g) => h('a', { class: 'chip', href: `#/explore/${encodeURIComponent(g.genre)}` }, g.genre))),
    h('ol', { class: 'movies', id: 'popular' }, pop.map((m) => movieRow(m, h('span', { class: 'score' }, `${m.score.toLocaleString()} ratings`)))));
}

/** Explore: genres, and one genre's popular movies plus its full listing. */
export async function explore(main, genre) {
  if (!genre) {
    const gs = await genres();
    fill(main, title('Explore by genre'),
      h('ul', { class: 'genre-grid' }, gs.map((g) => h('li', {},
        h('a', { href: `#/explore/${encodeURIComponent(g.genre)}` }, h('strong', {}, g.genre),
          h('span', {}, `${g.movies.toLocaleString()} movies · ${g.ratings.toLocaleString()} ratings`))))));
    return;
  }
  fill(main, title(genre), loading());
  const pop = await api.popular({ n: 12, genre });
  const listing = h('ol', { class: 'movies compact', id: 'genre-all' });
  const more = h('button', { type: 'button', class: 'secondary' }, 'Show more');
  let offset = 0;
  const page = async () => {
    more.disabled = true;
    const p = await api.movies({ genre, limit: 40, offset });
    offset += p.items.length;
    listing.start = 1;
    listing.append(...p.items.map((m) => movieRow(m)));
    more.hidden = offset >= p.total;
    more.disabled = false;
    countEl.textContent = `${p.total.toLocaleString()} movies`;
  };
  const countEl = h('span', { class: 'muted' });
  more.addEventListener('click', () => page().catch((e) => more.replaceWith(note(errorText(e), 'error'))));
  fill(main, title(genre),
    h('p', {}, h('a', { href: '#/explore' }, '← all genres')),
    h('h2', {}, `Most popular in ${genre}`),
    h('ol', { class: 'movies', id: 'genre-popular' }, pop.map((m) => movieRow(m, h('span', { class: 'score' }, `${m.score.toLocaleString()} ratings`)))),
    h('h2', {}, 'All ', genre, ' movies ', countEl), listing, more);
  await page();
}

/** Full search results for a query. */
export async function searchResults(main, q) {
  fill(main, title(`Search: ${q}`), loading());
  const p = await api.movies({ q, limit: 50 });
  fill(main, title(`Search: ${q}`),
    p.items.length ? h('ol', { class: 'movies', id: 'results' }, p.items.map((m) => movieRow(m)))
      : note(`No movie matches “${q}”.`),
    p.total > p.items.length ? h('p', { class: 'muted' }, `Showing ${p.items.length} of ${p.total}.`) : null);
}

// ---------------------------------------------------------------- movie page
/** A movie: details, rating distribution, similar movies, prediction and rating for a user. */
export async function movie(main, id) {
  fill(main, loading('movie'));
  const m = await api.movie(id);
  const heading = title(m.title);
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, 'Year'), h('dd', {}, m.year ?? '–'),
    h('dt', {}, 'Genres'), h('dd', {}, genreChips(m.genres)),
    h('dt', {}, 'Average rating'), h('dd', { id: 'avg' }, m.rating_mean == null ? 'not rated yet' : `${m.rating_mean.toFixed(2)} from ${m.rating_count.toLocaleString()} ratings`),
    m.tags && m.tags.length ? [h('dt', {}, 'Tags'), h('dd', {}, m.tags.slice(0, 20).join(', '))] : null,
    m.links && m.links.length ? [h('dt', {}, 'Links'), h('dd', {}, m.links.map(([src, v]) => `${src}: ${v}`).join(' · '))] : null);

  const distBox = h('section', { class: 'card', 'aria-labelledby': 'dist-h' }, h('h2', { id: 'dist-h' }, 'Rating distribution'), loading());
  const youBox = h('section', { class: 'card', id: 'you', 'aria-labelledby': 'you-h' });
  const simBox = h('section', { class: 'card wide', id: 'similar', 'aria-labelledby': 'sim-h' });
  fill(main, heading, h('div', { class: 'grid' }, h('section', { class: 'card' }, h('h2', {}, 'Details'), facts), youBox, distBox, simBox));

  api.movieRatings(id).then((d) => fill(distBox, h('h2', { id: 'dist-h' }, 'Rating distribution'),
    d.count ? barChart({
      title: `${d.count.toLocaleString()} ratings, mean ${d.mean.toFixed(2)}`,
      data: d.distribution.map((b) => ({ label: `${b.label}★`, value: b.count, tip: `${b.label} stars: ${b.count} ratings (${((100 * b.count) / d.count).toFixed(1)}%)` })),
      yLabel: 'ratings', height: 220,
    }) : note('No ratings in the training data yet.')))
    .catch((e) => fill(distBox, h('h2', {}, 'Rating distribution'), note(errorText(e), 'error')));

  renderYou(youBox, m);
  renderSimilar(simBox, m, 'hybrid');
}

function userForm(onUse, label = 'User id') {
  const inp = h('input', { id: 'user-id', name: 'user', value: currentUser(), inputmode: 'numeric', size: 8, required: true, autocomplete: 'off' });
  return h('form', {
    class: 'inline', onsubmit: (e) => { e.preventDefault(); const v = inp.value.trim(); if (v) onUse(v); },
  }, h('label', { for: 'user-id' }, label), inp, h('button', { type: 'submit' }, 'Use'));
}

async function renderYou(box, m) {
  const user = currentUser();
  const head = h('h2', { id: 'you-h' }, 'Predicted rating');
  const form = userForm((u) => { setCurrentUser(u); renderYou(box, m); });
  if (!user) {
    fill(box, head, h('p', {}, 'Choose a user to see how much they would like this movie, and to rate it as them.'), form);
    return;
  }
  fill(box, head, form, loading());
  let p;
  try { p = await api.predict(user, m.id); } catch (e) { fill(box, head, form, note(errorText(e), 'error')); return; }
  const status = h('p', { class: 'status', role: 'status', id: 'rate-status' });
  const rate = async (v) => {
    try {
      await api.rate({ user, movie: m.id, rating: v });
      changed();
      await renderYou(box, m);
      const st = box.querySelector('#rate-status');
      if (st) fill(st, `Saved: user ${user} rated it ${v}★. `, h('a', { href: `#/user/${encodeURIComponent(user)}`, id: 'see-recs' }, 'See the updated recommendations →'));
    } catch (e) { fill(status, note(errorText(e), 'error')); if (e.status === 401) status.append(keyForm()); }
  };
  const remove = async () => {
    try { await api.unrate(user, m.id); changed(); await renderYou(box, m); } catch (e) { fill(status, note(errorText(e), 'error')); }
  };
  fill(box, head, form,
    h('p', { class: 'big', id: 'prediction' }, h('span', { class: 'pred' }, p.prediction.toFixed(2)), ' ★ predicted for user ', h('a', { href: `#/user/${encodeURIComponent(user)}` }, user)),
    p.actual != null ? h('p', { id: 'actual' }, `User ${user} rated it ${p.actual}★.`) : h('p', { class: 'muted' }, `User ${user} has not rated it.`),
    h('div', { class: 'rate-row' }, h('span', {}, p.actual != null ? 'Change the rating:' : 'Rate it as this user:'),
      starButtons(p.actual, rate, `Rate ${m.title}`),
      p.actual != null ? h('button', { type: 'button', class: 'secondary', onclick: remove }, 'Remove rating') : null),
    status);
}

function keyForm() {
  const inp = h('input', { id: 'api-key', type: 'password', value: apiKey(), autocomplete: 'off' });
  return h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); setApiKey(inp.value.trim()); e.currentTarget.replaceWith(note('API key saved for this browser; try again.', 'ok')); } },
    h('label', { for: 'api-key' }, 'API key'), inp, h('button', { type: 'submit' }, 'Save key'));
}

const METHODS = [['hybrid', 'Hybrid'], ['collaborative', 'Collaborative'], ['content', 'Content']];

async function renderSimilar(box, m, method) {
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Similarity method' }, METHODS.map(([k, label]) => h('button', {
    type: 'button', 'aria-pressed': k === method ? 'true' : 'false', 'data-method': k, class: 'tab',
    onclick: () => renderSimilar(box, m, k),
  }, label)));
  const list = h('ol', { class: 'movies', id: 'similar-list' });
  fill(box, h('h2', { id: 'sim-h' }, 'Similar movies'), tabs, h('p', { class: 'muted' }, {
    content: 'By genres and year.', collaborative: 'By who rated them alike (the model’s item similarity).', hybrid: 'Both blended.',
  }[method]), list);
  try {
    const r = await api.similar(m.id, method, 10);
    fill(list, r.items.map((x) => movieRow(x, h('span', { class: 'score', title: 'similarity' }, x.score.toFixed(3)))));
    if (!r.items.length) list.replaceWith(note('No similar movies found.'));
  } catch (e) { list.replaceWith(note(errorText(e), 'error')); }
}

// ---------------------------------------------------------------- user page
/** Pick a user (or create one). */
export async function userChooser(main) {
  const create = async () => {
    try {
      const u = await api.createUser({});
      setCurrentUser(u.id); changed();
      location.hash = `#/user/${encodeURIComponent(u.id)}`;
    } catch (e) { main.append(note(errorText(e), 'error')); if (e.status === 401) main.append(keyForm()); }
  };
  fill(main, title('Recommendations for a user'),
    h('p', {}, 'Enter a user id of the dataset (MovieLens-100K has users 1–943), or create a new, empty user and rate movies as them.'),
    userForm((u) => { setCurrentUser(u); location.hash = `#/user/${encodeURIComponent(u)}`; }),
    h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: create }, 'Create a new user')));
}

/** A user's recommendations (model / variety / genre / explanations) and editable ratings. */
export async function user(main, id) {
  setCurrentUser(id);
  fill(main, title(`User ${id}`), loading());
  const [models, ratingsInit] = await Promise.all([api.models().catch(() => []), api.userRatings(id)]);
  const opts = { model: '', variety: 0, genre: '', n: 10 };
  const modelSel = h('select', { id: 'opt-model' },
    h('option', { value: '' }, 'Active model'),
    models.filter((x) => x.loaded).map((x) => h('option', { value: String(x.version) }, `${x.algorithm} v${x.version}${x.serving ? ' (active)' : ''}`)));
  const variety = h('input', { id: 'opt-variety', type: 'range', min: 0, max: 1, step: 0.1, value: 0, 'aria-describedby': 'variety-help' });
  const varietyOut = h('output', { for: 'opt-variety', id: 'variety-out' }, '0');
  const nSel = h('select', { id: 'opt-n' }, [10, 20, 50].map((n) => h('option', { value: n }, n)));
  const genreSel = await genreSelect('opt-genre', '', () => { opts.genre = genreSel.value; loadRecs(); });
  const recList = h('ol', { class: 'movies recs', id: 'recs' });
  const recMeta = h('p', { class: 'muted', id: 'recs-meta', 'aria-live': 'polite' });
  const ratingsBox = h('section', { class: 'card', id: 'ratings', 'aria-labelledby': 'ratings-h' });

  let recSeq = 0;
  let previous = null;
  async function loadRecs() {
    const seq = ++recSeq;
    recList.setAttribute('aria-busy', 'true');
    try {
      const r = await api.recommend(id, {
        top_n: opts.n, model: opts.model, genre: opts.genre, explain: true,
        diversity: opts.variety > 0 ? (1 - opts.variety).toFixed(2) : '',
      });
      if (seq !== recSeq) return;
      const ids = r.items.map((x) => x.id);
      const fresh = previous ? ids.filter((x) => !previous.includes(x)) : [];
      fill(recMeta, `${r.algorithm} v${r.model_version}${r.live ? ' · includes ratings made since training' : ''}`,
        previous && fresh.length ? ` · ${fresh.length} new since your last change` : '');
      previous = ids;
      fill(recList, r.items.map((x) => movieRow(x,
        h('span', { class: 'score', title: 'model score' }, x.score.toFixed(3)),
        x.because && x.because.length ? h('p', { class: 'because' }, 'Because you rated ', x.because.map((b, k) => [k ? (k === x.because.length - 1 ? ' and ' : ', ') : '', h('a', { href: `#/movie/${encodeURIComponent(b.id)}` }, b.title)]))
          : null,
        fresh.includes(x.id) ? h('span', { class: 'badge' }, 'new') : null)));
      if (!r.items.length) fill(recList, h('li', {}, note('Nothing to recommend with these filters.')));
    } catch (e) {
      if (seq === recSeq) fill(recList, h('li', {}, note(errorText(e), 'error')));
    } finally { if (seq === recSeq) recList.removeAttribute('aria-busy'); }
  }

  modelSel.addEventListener('change', () => { opts.model = modelSel.value; loadRecs(); });
  variety.addEventListener('input', () => { varietyOut.textContent = variety.value; });
  variety.addEventListener('change', () => { opts.variety = Number(variety.value); loadRecs(); });
  nSel.addEventListener('change', () => { opts.n = Number(nSel.value); loadRecs(); });

  async function onRatingChange() { changed(); await Promise.all([loadRecs(), renderRatings(ratingsBox, id, await api.userRatings(id), onRatingChange)]); }

  fill(main, title(`User ${id}`),
    h('div', { class: 'grid' },
      h('section', { class: 'card wide', 'aria-labelledby': 'recs-h' },
        h('h2', { id: 'recs-h' }, 'Recommended for you'),
        h('form', { class: 'controls', onsubmit: (e) => e.preventDefault() },
          h('label', {}, 'Model ', modelSel),
          h('label', {}, 'Genre ', genreSel),
          h('label', {}, 'Variety ', variety, varietyOut),
          h('label', {}, 'How many ', nSel)),
        h('p', { class: 'muted small', id: 'variety-help' }, 'Variety 0 ranks by relevance only; higher values trade relevance for more varied genres (MMR).'),
        recMeta, recList),
      ratingsBox));
  renderRatings(ratingsBox, id, ratingsInit, onRatingChange);
  await loadRecs();
}

function renderRatings(box, id, data, onChange) {
  const status = h('p', { class: 'status', role: 'status' });
  const act = async (fn) => { try { await fn(); await onChange(); } catch (e) { fill(status, note(errorText(e), 'error')); if (e.status === 401) status.append(keyForm()); } };
  const rows = [...data.ratings].sort((a, b) => (b.live - a.live) || (b.rating - a.rating) || a.movie.title.localeCompare(b.movie.title));
  const LIMIT = 30;
  const list = h('ul', { class: 'ratings-list', id: 'my-ratings' });
  const show = (all) => fill(list, (all ? rows : rows.slice(0, LIMIT)).map((r) => h('li', { 'data-id': r.movie.id },
    h('div', { class: 'movie-main' }, movieLink(r.movie), r.live ? h('span', { class: 'badge' }, 'live') : null),
    starButtons(r.rating, (v) => act(() => api.rate({ user: id, movie: r.movie.id, rating: v })), `Your rating of ${r.movie.title}`),
    h('button', { type: 'button', class: 'link danger', 'aria-label': `Remove rating of ${r.movie.title}`, onclick: () => act(() => api.unrate(id, r.movie.id)) }, 'Remove'))));
  show(false);
  const more = rows.length > LIMIT ? h('button', { type: 'button', class: 'secondary', onclick: (e) => { show(true); e.currentTarget.remove(); } }, `Show all ${rows.length}`) : null;

  // Add a rating by title.
  const q = h('input', { id: 'add-q', type: 'search', placeholder: 'Title…', autocomplete: 'off' });
  const found = h('ul', { class: 'ratings-list', id: 'add-results' });
  const find = async (e) => {
    e.preventDefault();
    if (!q.value.trim()) return;
    try {
      const p = await api.movies({ q: q.value.trim(), limit: 5 });
      fill(found, p.items.map((m) => h('li', {}, h('div', { class: 'movie-main' }, movieLink(m)),
        starButtons(null, (v) => act(async () => { await api.rate({ user: id, movie: m.id, rating: v }); fill(found); q.value = ''; }), `Rate ${m.title}`))));
      if (!p.items.length) fill(found, h('li', {}, note('No match.')));
    } catch (err) { fill(found, h('li', {}, note(errorText(err), 'error'))); }
  };
  fill(box, h('h2', { id: 'ratings-h' }, `Your ratings (${data.count})`),
    h('form', { class: 'inline', onsubmit: find }, h('label', { for: 'add-q' }, 'Rate another movie'), q, h('button', { type: 'submit' }, 'Find')),
    found, status,
    rows.length ? list : note('No ratings yet: find a movie above and rate it.'), more);
}

// ---------------------------------------------------------------- new visitor
/**
 * A varied starting set: greedy over the popularity order, each pick maximising the number
 * of genres not yet covered (ties → more popular); when every genre is covered, start over.
 */
export function variedSet(popular, n, exclude = new Set()) {
  const pool = popular.filter((m) => !exclude.has(m.id));
  const out = [];
  let covered = new Set();
  const all = new Set(pool.flatMap((m) => m.genres || []));
  while (out.length < n && pool.length) {
    let best = 0; let bestGain = -1;
    pool.forEach((m, k) => {
      const gain = (m.genres || []).filter((g) => !covered.has(g)).length - k * 1e-3;
      if (gain > bestGain) { bestGain = gain; best = k; }
    });
    const [m] = pool.splice(best, 1);
    out.push(m);
    (m.genres || []).forEach((g) => covered.add(g));
    if ([...all].every((g) => covered.has(g)) || bestGain <= 0) covered = new Set();
  }
  return out;
}

/** The optional "About you" form of the new-visitor page: age, gender and occupation from
 * the server's accepted values (`/ui/api/stats` → demographics); `onChange` on every edit. */
function aboutYou(choices, onChange) {
  const c = choices || { genders: ['M', 'F'], occupations: [], age_min: 1, age_max: 120 };
  const age = h('input', { type: 'number', id: 'demo-age', min: c.age_min, max: c.age_max, step: 1, inputmode: 'numeric', class: 'age' });
  const gender = h('select', { id: 'demo-gender' }, h('option', { value: '' }, '—'), c.genders.map((g) => h('option', { value: g }, g)));
  const occupation = c.occupations.length
    ? h('select', { id: 'demo-occupation' }, h('option', { value: '' }, '—'), c.occupations.map((o) => h('option', { value: o }, o)))
    : h('input', { id: 'demo-occupation', maxlength: 64 });
  const hint = h('p', { class: 'status', role: 'status', id: 'demo-status' });
  const value = () => {
    const out = {};
    const a = age.value.trim();
    if (a !== '') {
      const n = Number(a);
      if (!Number.isInteger(n) || n < c.age_min || n > c.age_max) return { error: `Age must be a whole number from ${c.age_min} to ${c.age_max}.` };
      out.age = n;
    }
    if (gender.value) out.gender = gender.value;
    if (occupation.value.trim()) out.occupation = occupation.value.trim();
    return out;
  };
  const changed = () => { const v = value(); fill(hint, v.error ? note(v.error, 'error') : ''); if (!v.error) onChange(); };
  [age, gender, occupation].forEach((el) => el.addEventListener('change', changed));
  const form = h('form', { class: 'controls', id: 'about-you', onsubmit: (e) => e.preventDefault() },
    h('label', {}, 'Age', age), h('label', {}, 'Gender', gender), h('label', {}, 'Occupation', occupation));
  const section = h('section', { class: 'card wide', 'aria-labelledby': 'about-h' }, h('h2', { id: 'about-h' }, 'About you (optional)'),
    h('p', { class: 'muted' }, 'Skip any of these. Models that use demographics recommend from them at once, before you rate anything.'), form, hint);
  return { section, value };
}

/** New visitor: optional demographics, rate movies from a varied set, get recommendations at
 * once, keep the profile. */
export async function newVisitor(main) {
  fill(main, title('New here? Rate a few movies'), loading());
  const popular = await api.popular({ n: 300 });
  const stats = await api.stats().catch(() => null);
  const ratings = new Map(); // id → {movie, rating}
  const skipped = new Set();
  let shown = variedSet(popular, 12);
  const grid = h('ul', { class: 'rate-grid', id: 'starter' });
  const recs = h('ol', { class: 'movies recs', id: 'visitor-recs' });
  const counter = h('p', { class: 'muted', id: 'rated-count', 'aria-live': 'polite' });
  const keep = h('section', { class: 'card', id: 'keep' });
  let seq = 0;
  const about = aboutYou(stats && stats.demographics, () => refresh());
  const demo = () => { const v = about.value(); return v.error ? {} : v; };

  const refresh = async () => {
    counter.textContent = `${ratings.size} rated · ${skipped.size} skipped`;
    renderKeep();
    const d = demo();
    if (!ratings.size && !Object.keys(d).length) { fill(recs, h('li', {}, note('Rate at least one movie (or tell us about you) to get recommendations.'))); return; }
    const s = ++seq;
    try {
      const r = await api.recommendAnonymous({
        ...d, ratings: [...ratings.values()].map((x) => ({ movie: x.movie.id, rating: x.rating })), top_n: 10, explain: true,
      });
      if (s !== seq) return;
      fill(recs, r.items.map((x) => movieRow(x, h('span', { class: 'score' }, x.score.toFixed(3)),
        x.because && x.because.length ? h('p', { class: 'because' }, 'Because you rated ', x.because.map((b) => b.title).join(', ')) : null)));
    } catch (e) { if (s === seq) fill(recs, h('li', {}, note(errorText(e), 'error'))); }
  };

  const replace = (m) => {
    const taken = new Set([...shown.map((x) => x.id), ...ratings.keys(), ...skipped]);
    const [next] = variedSet(popular, 1, taken);
    shown = shown.map((x) => (x.id === m.id ? next : x)).filter(Boolean);
  };

  const card = (m) => {
    const r = ratings.get(m.id);
    return h('li', { class: r ? 'rated' : '', 'data-id': m.id },
      h('div', { class: 'movie-main' }, movieLink(m)), genreChips(m.genres),
      starButtons(r ? r.rating : null, (v) => { ratings.set(m.id, { movie: m, rating: v }); render(); refresh(); }, `Rate ${m.title}`),
      r ? h('button', { type: 'button', class: 'link', onclick: () => { ratings.delete(m.id); render(); refresh(); } }, 'Undo')
        : h('button', { type: 'button', class: 'link', 'aria-label': `Skip ${m.title}`, onclick: () => { skipped.add(m.id); replace(m); render(); refresh(); } }, 'Haven’t seen it — skip'));
  };
  const render = () => fill(grid, shown.map(card));

  function renderKeep() {
    const status = h('p', { class: 'status', role: 'status', id: 'keep-status' });
    const save = async (e) => {
      e.currentTarget.disabled = true;
      try {
        const u = await api.createUser(demo());
        if (ratings.size) await api.rate({ ratings: [...ratings.values()].map((x) => ({ user: u.id, movie: x.movie.id, rating: x.rating })) });
        setCurrentUser(u.id); changed();
        fill(status, note(`Saved as user ${u.id}. `, 'ok'), h('a', { href: `#/user/${encodeURIComponent(u.id)}` }, 'Open your page →'));
      } catch (err) { fill(status, note(errorText(err), 'error')); if (err.status === 401) status.append(keyForm()); }
    };
    fill(keep, h('h2', {}, 'Keep your profile'),
      h('p', {}, 'Your ratings and answers live only in this page until you keep them: this creates a new user with them.'),
      h('button', { type: 'button', id: 'keep-btn', onclick: save, disabled: ratings.size === 0 && !Object.keys(demo()).length }, 'Keep my profile as a new user'), status);
  }

  fill(main, title('New here? Rate a few movies'),
    h('p', { class: 'lead' }, 'Popular movies across many genres. Rate the ones you have seen; skip the others. Recommendations update as you go.'),
    counter,
    h('div', { class: 'grid' },
      about.section,
      h('section', { class: 'card wide', 'aria-labelledby': 'starter-h' }, h('h2', { id: 'starter-h' }, 'Rate these'), grid,
        h('button', { type: 'button', class: 'secondary', id: 'more-movies', onclick: () => {
          const taken = new Set([...shown.map((x) => x.id), ...ratings.keys(), ...skipped]);
          shown = [...shown.filter((x) => ratings.has(x.id)), ...variedSet(popular, 12, taken)];
          render();
        } }, 'Show other movies')),
      h('section', { class: 'card wide', 'aria-labelledby': 'vrec-h' }, h('h2', { id: 'vrec-h' }, 'Your recommendations'), recs),
      keep));
  render();
  refresh();
}
