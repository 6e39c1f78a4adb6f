// cinerec web UI: the REST client (issue 5's API plus the UI-only /ui/api endpoints).
// Every call returns parsed JSON or throws an ApiError carrying the server's message.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

const KEY_STORE = 'cinerec.apiKey';

/** The API key for write endpoints (only needed when the server is configured with one). */
export function apiKey() {
  try { return localStorage.getItem(KEY_STORE) || ''; } catch { return ''; }
}

/** Remembers (or forgets, with '') the API key. */
export function setApiKey(k) {
  try { k ? localStorage.setItem(KEY_STORE, k) : localStorage.removeItem(KEY_STORE); } catch { /* private mode */ }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function call(method, path, { params, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && apiKey()) headers['x-api-key'] = apiKey();
  const res = await fetch(path + query(params), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : null; } catch { data = { error: text }; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const enc = encodeURIComponent;

export const api = {
  health: () => call('GET', '/health'),
  movies: (params) => call('GET', '/movies', { params }),
  movie: (id) => call('GET', `/movies/${enc(id)}`),
  addMovie: (body) => call('POST', '/movies', { body }),
  editMovie: (id, body) => call('PATCH', `/movies/${enc(id)}`, { body }),
  similar: (id, method, n = 10) => call('GET', `/movies/${enc(id)}/similar`, { params: { method, n } }),
  popular: (params) => call('GET', '/popular', { params }),
  predict: (user, movie) => call('GET', `/predict/${enc(user)}/${enc(movie)}`),
  recommend: (user, params) => call('GET', `/recommend/${enc(user)}`, { params }),
  recommendAnonymous: (body) => call('POST', '/recommend', { body }),
  createUser: (body = {}) => call('POST', '/users', { body }),
  rate: (ratings) => call('POST', '/ratings', { body: ratings }),
  unrate: (user, movie) => call('DELETE', `/ratings/${enc(user)}/${enc(movie)}`),
  userRatings: (user) => call('GET', `/users/${enc(user)}/ratings`),
  models: () => call('GET', '/models'),
  retrain: () => call('GET', '/retrain'),
  runs: () => call('GET', '/runs'),
  stats: () => call('GET', '/ui/api/stats'),
  movieRatings: (id) => call('GET', `/ui/api/movies/${enc(id)}/ratings`),
};
