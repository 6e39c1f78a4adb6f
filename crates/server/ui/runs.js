// cinerec web UI: the experiment history (GET /runs) — every recorded train / eval /
// pipeline run, a chart of one metric over the runs (one line per algorithm), and a compare
// view of the runs ticked in the table (what `cinerec runs compare` prints).

import { api } from './api.js';
import { lineChart, fmt } from './charts.js';
import { h, fill, note, loading, errorText } from './dom.js';
import { flatMetrics } from './dashboard.js';

/** Metrics that measure time or size, not quality: charted only when picked. */
const TIMING = /(seconds|_s)$|^(n_|search|epochs)/;

export async function runs(main) {
  document.title = 'Runs · cinerec';
  const box = h('div', { class: 'grid', id: 'runs' }, loading('runs'));
  fill(main, h('h1', {}, 'Experiment runs'), box);
  try {
    render(box, await api.runs());
  } catch (e) {
    fill(box, note(errorText(e), 'error'));
  }
}

function label(r) {
  return `${r.algorithm} ${r.id.slice(0, 15)}`;
}

function render(box, list) {
  if (!list.length) {
    fill(box, note('No run recorded yet: `cinerec eval`, `cinerec train` and `cinerec pipeline run` record theirs.'));
    return;
  }
  const flat = list.map((r) => ({ r, f: flatMetrics(r.metrics) }));
  const keys = [...new Set(flat.flatMap((x) => Object.keys(x.f)))].sort();
  const quality = keys.filter((k) => !TIMING.test(k));
  const first = ['ndcg@10', 'rmse'].find((k) => quality.includes(k)) || quality[0] || keys[0];

  const chartBox = h('div');
  const sel = h('select', { id: 'run-metric' }, keys.map((k) => h('option', { value: k, selected: k === first }, k)));
  const draw = () => {
    const k = sel.value;
    const algos = [...new Set(flat.map((x) => x.r.algorithm))];
    const series = algos.map((a) => ({
      name: a,
      points: flat.map((x, i) => ({ x: i + 1, y: x.r.algorithm === a ? x.f[k] : undefined, label: x.r.id }))
        .filter((p) => Number.isFinite(p.y)),
    })).filter((s) => s.points.length);
    fill(chartBox, lineChart({ title: `${k} over runs`, series, xLabel: 'run (oldest first)', yLabel: k, xFormat: (v) => (Number.isInteger(v) ? `#${v}` : '') }));
  };
  sel.addEventListener('change', draw);
  draw();

  const compareBox = h('div', { id: 'run-compare' });
  const picked = new Set();
  const button = h('button', { type: 'button', id: 'compare-runs', disabled: true }, 'Compare selected');
  const table = h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Recorded runs' }, h('table', { id: 'runs-table' },
    h('caption', {}, 'Recorded runs (tick two or more to compare)'),
    h('thead', {}, h('tr', {}, ['', '#', 'id', 'kind', 'algorithm', 'data', ...quality.slice(0, 4)].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, flat.map(({ r, f }, i) => {
      const box = h('input', { type: 'checkbox', 'aria-label': `select run ${r.id}`, value: r.id });
      box.addEventListener('change', () => {
        if (box.checked) picked.add(r.id); else picked.delete(r.id);
        button.disabled = picked.size < 2;
      });
      return h('tr', { 'data-id': r.id },
        h('td', {}, box), h('td', { class: 'num' }, String(i + 1)), h('th', { scope: 'row' }, r.id), h('td', {}, r.kind),
        h('td', {}, r.algorithm), h('td', {}, r.dataset),
        quality.slice(0, 4).map((k) => h('td', { class: 'num' }, k in f ? fmt(f[k]) : '–')));
    }))));
  button.addEventListener('click', () => fill(compareBox, compare(flat.filter((x) => picked.has(x.r.id)))));

  fill(box,
    h('section', { class: 'card wide', id: 'run-chart' }, h('h3', {}, 'One metric over the runs'), h('label', {}, 'Metric ', sel), chartBox),
    h('section', { class: 'card wide' }, table, h('p', {}, button)),
    h('section', { class: 'card wide' }, h('h3', {}, 'Compare'), compareBox));
  fill(compareBox, note('Tick two or more runs above, then “Compare selected”.'));
}

/** Side by side: what ran, every metric, every parameter; differing rows marked. */
function compare(sel) {
  const rows = [
    ['kind', (x) => x.r.kind],
    ['algorithm', (x) => x.r.algorithm],
    ['data', (x) => `${x.r.dataset} (${x.r.dataset_hash})`],
    ['split', (x) => (x.r.eval ? JSON.stringify(x.r.eval.split) : '–')],
    ['code', (x) => x.r.code_version],
  ];
  const metricKeys = [...new Set(sel.flatMap((x) => Object.keys(x.f)))].sort();
  for (const k of metricKeys) rows.push([k, (x) => (k in x.f ? fmt(x.f[k]) : '–')]);
  const paramKeys = [...new Set(sel.flatMap((x) => Object.keys(x.r.params || {})))].sort();
  for (const k of paramKeys) rows.push([`param ${k}`, (x) => (x.r.params && k in x.r.params ? JSON.stringify(x.r.params[k]) : '–')]);
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Runs compared' }, h('table', { id: 'compare-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), sel.map((x) => h('th', { scope: 'col' }, label(x.r))))),
    h('tbody', {}, rows.map(([name, get]) => {
      const cells = sel.map(get);
      const differs = new Set(cells).size > 1;
      return h('tr', { class: differs ? 'differs' : '' }, h('th', { scope: 'row' }, name), cells.map((c) => h('td', { class: 'num' }, c)));
    }))));
}
