// cinerec web UI: the admin page that adds a movie to the running catalogue (POST /movies,
// API key). The movie is searchable, similar-listed and recommended by the content models at
// once; it shows a "new" badge until the next training.

import { api, apiKey, setApiKey } from './api.js';
import { h, fill, note, errorText, movieLink, loading } from './dom.js';

function field(id, label, attrs = {}) {
  return [h('label', { for: id }, label), h('input', { id, name: id, ...attrs })];
}

/** Splits a comma-separated list, dropping empty entries. */
function list(v) {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The "Add a movie" page. */
export async function addMovie(main) {
  fill(main, loading('genres'));
  let genres = [];
  try {
    genres = (await api.stats()).genres?.map((g) => g.genre) || [];
  } catch { /* the form works without the suggestions */ }
  const status = h('div', { 'aria-live': 'polite' });
  const key = h('input', { id: 'admin-key', type: 'password', value: apiKey(), autocomplete: 'off' });
  const form = h('form', { class: 'stack', onsubmit: submit },
    ...field('title', 'Title', { required: true, maxlength: 300 }),
    ...field('year', 'Year', { type: 'number', min: 1870, max: 2100 }),
    ...field('genres', 'Genres (comma-separated)', { list: 'genre-names', placeholder: genres.slice(0, 3).join(', ') }),
    h('datalist', { id: 'genre-names' }, genres.map((g) => h('option', { value: g }))),
    ...field('keywords', 'Keywords (comma-separated)', { placeholder: 'heist, twist ending' }),
    ...field('country', 'Country', { maxlength: 60 }),
    ...field('language', 'Language', { maxlength: 60 }),
    h('label', { for: 'admin-key' }, 'API key (when the server has one)'), key,
    h('button', { type: 'submit' }, 'Add the movie'));

  async function submit(e) {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value.trim();
    const body = { title: v('title'), genres: list(v('genres')), keywords: list(v('keywords')) };
    if (v('year')) body.year = Number(v('year'));
    if (v('country')) body.country = v('country');
    if (v('language')) body.language = v('language');
    setApiKey(key.value.trim());
    fill(status, loading('adding'));
    try {
      const m = await api.addMovie(body);
      fill(status, note('Added. It is in search, similar movies and content-based recommendations now.', 'ok'), h('p', {}, movieLink(m)));
      form.reset();
      key.value = apiKey();
    } catch (err) {
      fill(status, note(errorText(err), 'error'));
    }
  }

  fill(main, h('h1', {}, 'Add a movie'),
    h('p', { class: 'muted' }, 'New movies join the catalogue at once. Models that read movie features (the feature model, the hybrid’s content side) recommend them right away; the others start using them at the next training.'),
    form, status);
}
