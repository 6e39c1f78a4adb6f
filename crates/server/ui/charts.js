// cinerec web UI: small hand-written SVG charts (bar, grouped bar, line) with hover and
// keyboard-focus tooltips. No third-party code. Every chart is a <figure> whose SVG scales
// with its container (viewBox), so it works at phone width.

const NS = 'http://www.w3.org/2000/svg';
export const PALETTE = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#d53f8c', '#319795', '#b7791f', '#4a5568'];

function s(tag, attrs = {}, ...kids) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const k of kids) if (k !== null && k !== undefined) el.append(k);
  return el;
}

/** Compact number: 1234 → "1.2k", 0.12345 → "0.123". */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (Number.isInteger(v)) return String(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw) || raw;
  // From the first tick at or below lo to the first at or above hi, so bars never overflow.
  const out = [];
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  for (let t = first; t <= last + step * 1e-9; t += step) out.push(+t.toPrecision(12));
  return out;
}

function frame(title, desc) {
  const fig = document.createElement('figure');
  fig.className = 'chart';
  if (title) {
    const cap = document.createElement('figcaption');
    cap.textContent = title;
    fig.append(cap);
  }
  const tip = document.createElement('div');
  tip.className = 'chart-tip';
  tip.setAttribute('role', 'status');
  tip.hidden = true;
  fig.append(tip);
  const show = (text, evt, el) => {
    tip.textContent = text;
    tip.hidden = false;
    const box = fig.getBoundingClientRect();
    let x; let y;
    if (evt && 'clientX' in evt) { x = evt.clientX - box.left; y = evt.clientY - box.top; } else {
      const r = el.getBoundingClientRect();
      x = r.left - box.left + r.width / 2; y = r.top - box.top;
    }
    const w = tip.offsetWidth || 120;
    tip.style.left = `${Math.max(4, Math.min(box.width - w - 4, x - w / 2))}px`;
    tip.style.top = `${Math.max(0, y - 44)}px`;
  };
  const hide = () => { tip.hidden = true; };
  if (desc) fig.setAttribute('aria-label', desc);
  return { fig, show, hide };
}

function hoverable(el, text, show, hide) {
  el.setAttribute('tabindex', '0');
  el.setAttribute('aria-label', text);
  el.classList.add('hov');
  el.append(s('title', {}, text));
  el.addEventListener('mousemove', (e) => show(text, e, el));
  el.addEventListener('mouseenter', (e) => show(text, e, el));
  el.addEventListener('mouseleave', hide);
  el.addEventListener('focus', () => show(text, null, el));
  el.addEventListener('blur', hide);
}

/**
 * Vertical bar chart.
 * opts: { title, data: [{label, value, tip?}], xLabel, yLabel, height, color, maxLabels, onSelect }
 */
export function barChart(opts) {
  const { title, data = [], xLabel = '', yLabel = '', height = 260, color = PALETTE[0] } = opts;
  const { fig, show, hide } = frame(title, title);
  const W = 640; const H = height; const m = { l: 56, r: 12, t: 10, b: 46 };
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'group', class: 'chart-svg' });
  const max = Math.max(1e-9, ...data.map((d) => d.value));
  const ticks = niceTicks(0, max);
  const top = ticks[ticks.length - 1] || max;
  const iw = W - m.l - m.r; const ih = H - m.t - m.b;
  const y = (v) => m.t + ih - (v / top) * ih;
  for (const t of ticks) {
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y(t), y2: y(t), class: 'grid' }));
    svg.append(s('text', { x: m.l - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(t)));
  }
  const bw = iw / Math.max(1, data.length);
  const every = Math.ceil(data.length / (opts.maxLabels || 16));
  data.forEach((d, k) => {
    const x = m.l + k * bw;
    const rect = s('rect', {
      x: x + bw * 0.12, y: y(d.value), width: Math.max(1, bw * 0.76), height: Math.max(0, m.t + ih - y(d.value)),
      fill: d.color || color, class: 'bar',
    });
    hoverable(rect, d.tip || `${d.label}: ${fmt(d.value)}`, show, hide);
    if (opts.onSelect) {
      rect.addEventListener('click', () => opts.onSelect(d));
      rect.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); opts.onSelect(d); } });
    }
    svg.append(rect);
    if (k % every === 0) {
      const lx = x + bw / 2; const ly = m.t + ih + 14;
      const rot = data.length > 8 && String(d.label).length > 3;
      svg.append(s('text', {
        x: lx, y: ly, 'text-anchor': rot ? 'end' : 'middle', class: 'tick',
        transform: rot ? `rotate(-30 ${lx} ${ly})` : undefined,
      }, String(d.label)));
    }
  });
  svg.append(s('line', { x1: m.l, x2: W - m.r, y1: m.t + ih, y2: m.t + ih, class: 'axis' }));
  if (yLabel) svg.append(s('text', { x: 12, y: m.t + ih / 2, transform: `rotate(-90 12 ${m.t + ih / 2})`, 'text-anchor': 'middle', class: 'axis-label' }, yLabel));
  if (xLabel) svg.append(s('text', { x: m.l + iw / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-label' }, xLabel));
  fig.append(svg);
  return fig;
}

/**
 * Grouped bar chart: one group per category, one bar per series.
 * opts: { title, categories: [string], series: [{name, values: [number|null]}], yLabel, height }
 */
export function groupedBarChart(opts) {
  const { title, categories = [], series = [], yLabel = '', height = 280 } = opts;
  const { fig, show, hide } = frame(title, title);
  const W = 640; const H = height; const m = { l: 56, r: 12, t: 10, b: 56 };
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'group', class: 'chart-svg' });
  const vals = series.flatMap((sr) => sr.values.filter((v) => Number.isFinite(v)));
  const max = Math.max(1e-9, ...vals);
  const ticks = niceTicks(0, max);
  const top = ticks[ticks.length - 1] || max;
  const iw = W - m.l - m.r; const ih = H - m.t - m.b;
  const y = (v) => m.t + ih - (v / top) * ih;
  for (const t of ticks) {
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y(t), y2: y(t), class: 'grid' }));
    svg.append(s('text', { x: m.l - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(t)));
  }
  const gw = iw / Math.max(1, categories.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  categories.forEach((c, k) => {
    series.forEach((sr, j) => {
      const v = sr.values[k];
      if (!Number.isFinite(v)) return;
      const rect = s('rect', {
        x: m.l + k * gw + gw * 0.1 + j * bw, y: y(v), width: Math.max(1, bw - 1), height: Math.max(0, m.t + ih - y(v)),
        fill: PALETTE[j % PALETTE.length], class: 'bar',
      });
      hoverable(rect, `${sr.name} · ${c}: ${fmt(v)}`, show, hide);
      svg.append(rect);
    });
    const lx = m.l + k * gw + gw / 2; const ly = m.t + ih + 14;
    svg.append(s('text', { x: lx, y: ly, 'text-anchor': categories.length > 5 ? 'end' : 'middle', class: 'tick', transform: categories.length > 5 ? `rotate(-25 ${lx} ${ly})` : undefined }, c));
  });
  svg.append(s('line', { x1: m.l, x2: W - m.r, y1: m.t + ih, y2: m.t + ih, class: 'axis' }));
  if (yLabel) svg.append(s('text', { x: 12, y: m.t + ih / 2, transform: `rotate(-90 12 ${m.t + ih / 2})`, 'text-anchor': 'middle', class: 'axis-label' }, yLabel));
  fig.append(svg);
  fig.append(legend(series.map((sr) => sr.name)));
  return fig;
}

function legend(names) {
  const ul = document.createElement('ul');
  ul.className = 'legend';
  names.forEach((n, j) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = `swatch c${j % PALETTE.length}`;
    li.append(sw, document.createTextNode(n));
    ul.append(li);
  });
  return ul;
}

/**
 * Line chart with a hover guide showing every series' value at the nearest x.
 * opts: { title, series: [{name, points: [{x, y, label?}]}], xLabel, yLabel, logX, logY, height, xFormat }
 */
export function lineChart(opts) {
  const { title, series = [], xLabel = '', yLabel = '', height = 260, logX = false, logY = false } = opts;
  const xFormat = opts.xFormat || fmt;
  const { fig, show, hide } = frame(title, title);
  const W = 640; const H = height; const m = { l: 56, r: 14, t: 10, b: 42 };
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'group', class: 'chart-svg' });
  const pts = series.flatMap((sr) => sr.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (!pts.length) { fig.append(document.createTextNode('No data.')); return fig; }
  const tx = (v) => (logX ? Math.log10(Math.max(v, 1e-9)) : v);
  const ty = (v) => (logY ? Math.log10(Math.max(v, 1e-9)) : v);
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p.x))), Math.max(...pts.map((p) => tx(p.x)))];
  let [y0, y1] = [Math.min(...pts.map((p) => ty(p.y))), Math.max(...pts.map((p) => ty(p.y)))];
  if (x1 === x0) x1 = x0 + 1;
  if (!logY) y0 = Math.min(0, y0);
  if (y1 === y0) y1 = y0 + 1;
  const iw = W - m.l - m.r; const ih = H - m.t - m.b;
  const X = (v) => m.l + ((tx(v) - x0) / (x1 - x0)) * iw;
  const Y = (v) => m.t + ih - ((ty(v) - y0) / (y1 - y0)) * ih;
  const yt = logY ? decades(y0, y1) : niceTicks(y0, y1);
  for (const t of yt) {
    const v = logY ? 10 ** t : t;
    if (t < y0 - 1e-9 || t > y1 + 1e-9) continue;
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), class: 'grid' }));
    svg.append(s('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  const xt = logX ? decades(x0, x1) : niceTicks(x0, x1, 6);
  for (const t of xt) {
    const v = logX ? 10 ** t : t;
    if (t < x0 - 1e-9 || t > x1 + 1e-9) continue;
    svg.append(s('text', { x: X(v), y: m.t + ih + 16, 'text-anchor': 'middle', class: 'tick' }, xFormat(v)));
  }
  series.forEach((sr, j) => {
    const p = sr.points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y));
    if (!p.length) return;
    const d = p.map((q, k) => `${k ? 'L' : 'M'}${X(q.x).toFixed(1)},${Y(q.y).toFixed(1)}`).join('');
    svg.append(s('path', { d, fill: 'none', stroke: PALETTE[j % PALETTE.length], 'stroke-width': 2, class: 'line' }));
    if (p.length <= 40) {
      for (const q of p) {
        const c = s('circle', { cx: X(q.x), cy: Y(q.y), r: 3.5, fill: PALETTE[j % PALETTE.length] });
        hoverable(c, `${sr.name} · ${q.label ?? xFormat(q.x)}: ${fmt(q.y)}`, show, hide);
        svg.append(c);
      }
    }
  });
  svg.append(s('line', { x1: m.l, x2: W - m.r, y1: m.t + ih, y2: m.t + ih, class: 'axis' }));
  if (yLabel) svg.append(s('text', { x: 12, y: m.t + ih / 2, transform: `rotate(-90 12 ${m.t + ih / 2})`, 'text-anchor': 'middle', class: 'axis-label' }, yLabel));
  if (xLabel) svg.append(s('text', { x: m.l + iw / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-label' }, xLabel));
  // Hover guide: nearest x across the first series.
  const guide = s('line', { y1: m.t, y2: m.t + ih, class: 'guide', visibility: 'hidden' });
  svg.append(guide);
  const overlay = s('rect', { x: m.l, y: m.t, width: iw, height: ih, fill: 'transparent', class: 'overlay' });
  overlay.addEventListener('mousemove', (e) => {
    const box = svg.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * W;
    const base = series[0].points;
    let best = base[0]; let bd = Infinity;
    for (const q of base) { const dd = Math.abs(X(q.x) - px); if (dd < bd) { bd = dd; best = q; } }
    if (!best) return;
    guide.setAttribute('x1', X(best.x)); guide.setAttribute('x2', X(best.x)); guide.setAttribute('visibility', 'visible');
    const parts = series.map((sr) => {
      const q = sr.points.find((r) => r.x === best.x);
      return q ? `${series.length > 1 ? `${sr.name}: ` : ''}${fmt(q.y)}` : null;
    }).filter(Boolean);
    show(`${best.label ?? xFormat(best.x)} — ${parts.join(', ')}`, e, overlay);
  });
  overlay.addEventListener('mouseleave', () => { guide.setAttribute('visibility', 'hidden'); hide(); });
  svg.insertBefore(overlay, svg.firstChild);
  fig.append(svg);
  if (series.length > 1) fig.append(legend(series.map((sr) => sr.name)));
  return fig;
}

function decades(lo, hi) {
  const out = [];
  for (let t = Math.floor(lo); t <= Math.ceil(hi); t += 1) out.push(t);
  return out;
}
