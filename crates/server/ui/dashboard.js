// cinerec web UI: the dashboard — dataset statistics (GET /ui/api/stats) and the model
// registry (GET /models): metrics side by side, a bar chart comparing models, loss curves;
// background retraining (GET /retrain): settings, state and the latest guarded decisions.

import { api } from './api.js';
import { barChart, groupedBarChart, lineChart, fmt } from './charts.js';
import { h, fill, note, loading, errorText } from './dom.js';

/** Numeric leaves of a metrics object, with dotted keys ({a: {b: 1}} → {"a.b": 1}). */
export function flatMetrics(obj, prefix = '', out = {}) {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v)) flatMetrics(v, key, out);
  }
  return out;
}

/**
 * Loss curves found in a metrics object: arrays of numbers (`train_loss: [..]`) or of
 * epoch objects (`epochs: [{epoch, train_loss, …}]`). Returns [{name, points}].
 */
export function lossCurves(obj, prefix = '') {
  const out = [];
  if (!obj || typeof obj !== 'object') return out;
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (k === 'trials') continue; // auto's search table, shown by searchSections
    if (Array.isArray(v) && v.length > 1) {
      if (v.every((x) => typeof x === 'number')) out.push({ name: key, points: v.map((y, i) => ({ x: i + 1, y })) });
      else if (v.every((x) => x && typeof x === 'object')) {
        const fields = new Set(v.flatMap((x) => Object.keys(x).filter((f) => f !== 'epoch' && f !== 'epochs' && typeof x[f] === 'number')));
        for (const f of fields) out.push({ name: `${key}.${f}`, points: v.map((x, i) => ({ x: x.epoch ?? i + 1, y: x[f] })).filter((p) => Number.isFinite(p.y)) });
      }
    } else if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...lossCurves(v, key));
  }
  return out;
}

function tile(label, value, id) {
  return h('div', { class: 'tile', id }, h('span', { class: 'tile-value' }, value), h('span', { class: 'tile-label' }, label));
}

/** Renders the dashboard into `main`. */
export async function dashboard(main) {
  document.title = 'Dashboard · cinerec';
  const statsBox = h('div', { class: 'grid', id: 'dataset' }, loading('statistics'));
  const modelsBox = h('div', { class: 'grid', id: 'models' }, loading('models'));
  const retrainBox = h('div', { class: 'grid', id: 'retrain' }, loading('retraining'));
  fill(main, h('h1', {}, 'Dashboard'), h('h2', {}, 'Dataset'), statsBox, h('h2', {}, 'Models'), modelsBox,
    h('h2', {}, 'Background retraining'), retrainBox);
  await Promise.all([
    api.stats().then((s) => renderStats(statsBox, s)).catch((e) => fill(statsBox, note(errorText(e), 'error'))),
    api.models().then((m) => renderModels(modelsBox, m)).catch((e) => fill(modelsBox, note(errorText(e), 'error'))),
    api.retrain().then((r) => renderRetrain(retrainBox, r)).catch((e) => fill(retrainBox, note(errorText(e), 'error'))),
  ]);
}

function renderStats(box, s) {
  const tiles = h('section', { class: 'card wide tiles', 'aria-label': 'Totals' },
    tile('users', s.users.toLocaleString(), 't-users'), tile('movies', s.movies.toLocaleString(), 't-movies'),
    tile('ratings', s.ratings.toLocaleString(), 't-ratings'), tile('mean rating', s.mean_rating.toFixed(2), 't-mean'),
    tile('matrix filled', `${(100 * s.density).toFixed(2)}%`, 't-density'),
    tile('ratings to top 20% of movies', `${(100 * s.per_movie.top20_share).toFixed(0)}%`, 't-top20'));

  const dist = h('section', { class: 'card' }, barChart({
    title: 'Rating distribution', data: s.rating_distribution.map((b) => ({ label: b.label, value: b.count, tip: `${b.label}★: ${b.count.toLocaleString()} ratings (${((100 * b.count) / Math.max(1, s.ratings)).toFixed(1)}%)` })),
    xLabel: 'rating', yLabel: 'ratings',
  }));

  const tail = (which, what) => {
    const t = s[which];
    const box2 = h('section', { class: 'card' });
    let log = true;
    const draw = () => fill(box2, lineChart({
      title: `Long tail: ratings per ${what}`, series: [{ name: `ratings per ${what}`, points: t.curve.map((p) => ({ x: p.rank, y: p.count, label: `#${p.rank} ${what}` })) }],
      xLabel: `${what} rank (most rated first)`, yLabel: 'ratings', logY: log,
    }), h('p', { class: 'muted small' }, `median ${fmt(t.median)} · ${t.under5.toLocaleString()} ${what}s with fewer than 5 ratings · top 20% get ${(100 * t.top20_share).toFixed(0)}% of ratings `,
      h('button', { type: 'button', class: 'link', onclick: () => { log = !log; draw(); } }, log ? 'linear scale' : 'log scale')));
    draw();
    return box2;
  };

  const genreBox = h('section', { class: 'card' });
  let by = 'ratings';
  const drawGenres = () => {
    const sorted = [...s.genres].sort((a, b) => b[by] - a[by]);
    fill(genreBox, barChart({
      title: `Genres by ${by}`, data: sorted.map((g) => ({ label: g.genre, value: g[by], tip: `${g.genre}: ${g.movies.toLocaleString()} movies, ${g.ratings.toLocaleString()} ratings` })),
      yLabel: by, maxLabels: 40, height: 280,
      onSelect: (d) => { location.hash = `#/explore/${encodeURIComponent(d.label)}`; },
    }), h('div', { class: 'tabs', role: 'group', 'aria-label': 'Count genres by' }, ['ratings', 'movies'].map((k) => h('button', {
      type: 'button', class: 'tab', 'aria-pressed': by === k ? 'true' : 'false', onclick: () => { by = k; drawGenres(); },
    }, k))));
  };
  drawGenres();

  const time = h('section', { class: 'card' }, s.over_time.length ? barChart({
    title: 'Ratings over time (per month)', data: s.over_time.map((b) => ({ label: b.label, value: b.count, tip: `${b.label}: ${b.count.toLocaleString()} ratings` })),
    yLabel: 'ratings', maxLabels: 12,
  }) : note('The ratings have no timestamps.'));

  fill(box, tiles, dist, genreBox, tail('per_movie', 'movie'), tail('per_user', 'user'), time);
}

function renderModels(box, models) {
  if (!models.length) { fill(box, note('The registry is empty.')); return; }
  const flat = models.map((m) => ({ m, f: flatMetrics(m.metrics) }));
  const keys = [...new Set(flat.flatMap((x) => Object.keys(x.f)))].sort();
  const name = (m) => `${m.algorithm} v${m.version}`;
  const table = h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Model registry' }, h('table', { id: 'model-table' },
    h('caption', {}, 'Model registry (metrics recorded at registration)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'model'), h('th', { scope: 'col' }, 'status'), h('th', { scope: 'col' }, 'registered'), keys.map((k) => h('th', { scope: 'col' }, k)))),
    h('tbody', {}, flat.map(({ m, f }) => h('tr', { class: m.serving ? 'serving' : '' },
      h('th', { scope: 'row' }, name(m)),
      h('td', {}, [m.serving ? 'serving' : null, m.active && !m.serving ? 'active' : null, m.loaded && !m.serving ? 'loaded' : null].filter(Boolean).join(', ') || '–'),
      h('td', {}, new Date(m.created_at * 1000).toISOString().slice(0, 16).replace('T', ' ')),
      keys.map((k) => h('td', { class: 'num' }, k in f ? fmt(f[k]) : '–')))))));

  const parts = [h('section', { class: 'card wide' }, table)];
  if (keys.length) {
    const chartBox = h('div');
    const sel = h('select', { id: 'metric-pick' }, h('option', { value: '' }, 'All metrics side by side'), keys.map((k) => h('option', { value: k }, k)));
    // "Side by side" shows only the quality metrics on a common 0–1 scale (ndcg@10, rmse is
    // not, …): counts, seconds and split settings would dwarf them; pick one to see it alone.
    const shared = keys.filter((k) => flat.every((x) => !(k in x.f) || (x.f[k] >= 0 && x.f[k] <= 1))
      && !/^(n_|eval_split\.|fit_seconds|share_)/.test(k)).slice(0, 14);
    const draw = () => {
      const k = sel.value;
      const withAny = flat.filter((x) => Object.keys(x.f).length);
      fill(chartBox, k ? barChart({
        title: `${k} by model`, data: withAny.filter((x) => k in x.f).map((x) => ({ label: name(x.m), value: x.f[k] })), yLabel: k,
      }) : groupedBarChart({
        title: 'Models compared', categories: shared, series: withAny.map((x) => ({ name: name(x.m), values: shared.map((kk) => x.f[kk]) })),
      }));
    };
    sel.addEventListener('change', draw);
    draw();
    parts.push(h('section', { class: 'card wide', id: 'compare' }, h('h3', {}, 'Metrics compared'), h('label', {}, 'Metric ', sel), chartBox));
  } else {
    parts.push(h('section', { class: 'card wide', id: 'compare' }, h('h3', {}, 'Metrics compared'),
      note('No model in the registry has recorded metrics yet (models trained by `cinerec serve` are registered without an evaluation); register evaluated models to compare them here.')));
  }
  parts.push(...searchSections(models, name));
  const curves = models.flatMap((m) => lossCurves(m.metrics).map((c) => ({ ...c, name: `${name(m)} ${c.name}` })));
  parts.push(h('section', { class: 'card wide', id: 'loss' }, h('h3', {}, 'Training loss'),
    curves.length ? lineChart({ title: 'Loss per epoch', series: curves, xLabel: 'epoch', yLabel: 'loss' })
      : note('No loss curve recorded: a model’s registry metrics show one when they include a per-epoch list (e.g. "train_loss": [...] or "epochs": [{"epoch", "train_loss"}]).')));
  fill(box, parts);
}

/** A chosen component in words: `svd {"n_factors":200}`, `blend of baseline + svdpp`. */
function describe(c) {
  if (!c) return '–';
  if (c.model === 'blend' && c.params && Array.isArray(c.params.components)) {
    return `blend of ${c.params.components.map((x) => x.model).join(' + ')}`;
  }
  const p = c.params && Object.keys(c.params).length ? ` ${JSON.stringify(c.params)}` : '';
  return `${c.model}${p}`;
}

/** One section per model whose metrics hold `auto`'s search: the choice and every trial. */
function searchSections(models, name) {
  return models.filter((m) => m.metrics && m.metrics.search && Array.isArray(m.metrics.search.trials)).map((m) => {
    const s = m.metrics.search;
    const cols = ['task', 'model', 'rung', 'predicted s', 'fit s', 'validation', 'status'];
    return h('section', { class: 'card wide search', id: `search-v${m.version}` },
      h('h3', {}, `Model selection (${name(m)})`),
      h('p', {}, `Rating: ${describe(s.rating)}, validation RMSE ${fmt(s.rating_rmse)}. Ranking: ${describe(s.ranking)}, validation NDCG@10 ${fmt(s.ranking_ndcg)}. Search ${fmt(s.search_s)} s, budget ${fmt(s.budget_s)} s.`),
      h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Search trials' }, h('table', { class: 'search-table' },
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, s.trials.map((t) => h('tr', { class: t.status === 'chosen' ? 'serving' : '' },
          h('td', {}, t.task), h('td', {}, describe(t)), h('td', { class: 'num' }, String(t.rung)),
          h('td', { class: 'num' }, fmt(t.predicted_s)), h('td', { class: 'num' }, t.fit_s == null ? '–' : fmt(t.fit_s)),
          h('td', { class: 'num' }, t.value == null ? '–' : fmt(t.value)), h('td', {}, t.status)))))));
  });
}

const secs = (v) => (v == null ? '–' : `${fmt(v)} s`);
const when = (unix) => new Date(unix * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** Retraining settings, state and the latest decisions (GET /retrain). */
function renderRetrain(box, r) {
  if (!r.enabled) {
    fill(box, h('section', { class: 'card wide' }, note('Off. Start the server with --retrain-after N (new ratings) and/or --retrain-every DURATION to retrain in the background; a candidate is activated only if it is not worse on the newest ratings.')));
    return;
  }
  const triggers = [r.after ? `after ${r.after} rating changes` : null, r.every ? `every ${r.every}` : null].filter(Boolean).join(' or ');
  const model = r.model ? `${r.model}${r.params ? ` ${JSON.stringify(r.params)}` : ''}` : 'the active model’s algorithm';
  const holdout = r.holdout < 1 ? `${fmt(100 * r.holdout)}% of the new ratings` : `${r.holdout} newest new ratings`;
  const state = r.running_since ? `training since ${when(r.running_since)} UTC` : `idle; ${r.pending_changes} rating change(s) counted toward the next attempt${r.next_due_unix ? `, timer due ${when(r.next_due_unix)} UTC` : ''}`;
  const summary = h('p', {}, `Retrains ${model} ${triggers}, on ${r.threads} low-priority thread(s); held back: ${holdout}; margin ${r.margin}. Now ${state}.`);
  const cols = ['started (UTC)', 'outcome', 'candidate', 'metric', 'candidate score', 'active score', 'new / held back', 'fit', 'eval', 'refit', 'carried over', 'reason'];
  const rows = r.decisions.map((d) => h('tr', { class: d.outcome === 'activated' ? 'serving' : '' },
    h('td', {}, when(d.started_unix)), h('td', {}, d.outcome),
    h('td', {}, `${d.algorithm}${d.version != null ? ` v${d.version}` : ''} (active v${d.active_version})`),
    h('td', {}, d.metric ?? '–'), h('td', { class: 'num' }, d.candidate_score == null ? '–' : fmt(d.candidate_score)),
    h('td', { class: 'num' }, d.active_score == null ? '–' : fmt(d.active_score)),
    h('td', { class: 'num' }, `${d.new_ratings} / ${d.holdout}`), h('td', { class: 'num' }, secs(d.fit_seconds)),
    h('td', { class: 'num' }, secs(d.eval_seconds)), h('td', { class: 'num' }, secs(d.refit_seconds)),
    h('td', { class: 'num' }, String(d.carried_over)), h('td', {}, d.reason)));
  const table = r.decisions.length
    ? h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Retraining decisions' }, h('table', { id: 'retrain-table' },
      h('caption', {}, 'Latest attempts, newest first (every candidate is also in the registry above)'),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows)))
    : note('No attempt yet.');
  fill(box, h('section', { class: 'card wide' }, summary, table));
}
