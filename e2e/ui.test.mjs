// End-to-end tests of the cinerec web UI: starts `cinerec serve` on MovieLens-100K with a
// fresh SQLite store, drives the Debian Chromium headless through playwright-core, and saves
// screenshots under target/ui-e2e/. Run with `npm test` in this folder (node's test runner).
//
// Needs: the cinerec binary (CINEREC_BIN, else target/release or target/debug), ML-100K
// (CINEREC_ML100K, else data/ml-100k) and Chromium (CHROMIUM, else /usr/bin/chromium).
// When one is missing every test is SKIPPED with a loud reason instead of failing.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const shots = path.join(root, 'target', 'ui-e2e');
fs.mkdirSync(shots, { recursive: true });

function firstExisting(...c) { return c.filter(Boolean).find((p) => fs.existsSync(p)); }
const bin = firstExisting(process.env.CINEREC_BIN, path.join(root, 'target/release/cinerec'), path.join(root, 'target/debug/cinerec'));
const data = firstExisting(process.env.CINEREC_ML100K, path.join(root, 'data/ml-100k'));
const chromiumPath = firstExisting(process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser');
let playwright = null;
try { playwright = await import('playwright-core'); } catch { /* reported below */ }

const missing = [
  !bin && 'the cinerec binary (build it or set CINEREC_BIN)',
  !data && 'ML-100K (set CINEREC_ML100K)',
  !chromiumPath && 'Chromium (apt-get install chromium)',
  !playwright && 'playwright-core (npm install in e2e/)',
].filter(Boolean);
const skip = missing.length ? `SKIP: missing ${missing.join(', ')}` : false;
if (skip) process.stderr.write(`\n*** UI E2E ${skip} ***\n\n`);

let server; let base; let ctx; let tmp;
const errors = [];

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

async function waitHealthy(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { const r = await fetch(`${url}/health`); if (r.ok) return; } catch { /* not yet */ }
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('server did not come up');
}

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinerec-ui-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(shots, 'server.log'), 'w');
  server = spawn(bin, ['--quiet', 'serve', '--data', data, '--store', `sqlite://${tmp}/ui.db`, '--port', String(port),
    '--models-dir', path.join(tmp, 'models'), '--no-request-log'], { cwd: tmp, stdio: ['ignore', log, log] });
  await waitHealthy(base, 240_000);
  ctx = await playwright.chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  ctx.setDefaultTimeout(20_000);
  ctx.on('page', watch);
});

function watch(page) {
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
}

after(async () => {
  if (ctx) await ctx.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGINT');
    await new Promise((r) => { const t = setTimeout(() => { server.kill('SIGKILL'); r(); }, 5000); server.on('exit', () => { clearTimeout(t); r(); }); });
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => {
  const e = errors.splice(0);
  assert.deepEqual(e, [], `JavaScript errors in the page:\n${e.join('\n')}`);
});

async function newPage(viewport) {
  const page = await ctx.newPage();
  if (viewport) await page.setViewportSize(viewport);
  return page;
}

const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
const recIds = (page) => page.$$eval('#recs > li[data-id]', (els) => els.map((e) => e.dataset.id));

test('search → movie page → rate → recommendations change', { skip }, async () => {
  const user = '2';
  const page = await newPage();
  // The user's recommendations before.
  await page.goto(`${base}/#/user/${user}`);
  await page.waitForSelector('#recs > li[data-id]');
  const beforeIds = await recIds(page);
  assert.equal(beforeIds.length, 10);
  const topTitle = await page.textContent(`#recs > li[data-id="${beforeIds[0]}"] .movie-link`);
  await page.waitForSelector('#recs .because');
  await shot(page, '01-user-before');

  // Search for the top recommendation with the autocomplete, keyboard only.
  const query = topTitle.replace(/\s*\(\d{4}\)\s*$/, '').replace(/,\s*(The|A|An)$/, '').slice(0, 12);
  await page.focus('#q');
  await page.keyboard.type(query, { delay: 20 });
  await page.waitForSelector(`#q-list li[data-id="${beforeIds[0]}"]`);
  await shot(page, '02-autocomplete');
  const pos = await page.$$eval('#q-list li', (els, id) => els.findIndex((e) => e.dataset.id === id), beforeIds[0]);
  for (let k = 0; k <= pos; k += 1) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => document.querySelector('h1')?.textContent === t, topTitle);
  assert.match(page.url(), new RegExp(`#/movie/${beforeIds[0]}$`));

  // Movie page: details, distribution chart, similar movies, prediction for the user.
  await page.waitForSelector('#similar-list > li');
  await page.waitForSelector('figure.chart svg rect.bar');
  await page.waitForSelector('#prediction');
  assert.match(await page.textContent('#prediction'), /\d\.\d\d/);
  await page.click('button[data-method="content"]');
  await page.waitForSelector('button[data-method="content"][aria-pressed="true"]');
  await page.waitForSelector('#similar-list > li');
  await shot(page, '03-movie');

  // Rate it 1 star as the user.
  await page.click('#you .stars button[data-value="1"]');
  await page.waitForSelector('#see-recs');
  assert.match(await page.textContent('#actual'), /rated it 1★/);
  await page.click('#see-recs');

  // The recommendations changed at once: the rated movie is gone.
  await page.waitForSelector('#recs > li[data-id]');
  const afterIds = await recIds(page);
  assert.equal(afterIds.length, 10);
  assert.ok(!afterIds.includes(beforeIds[0]), 'the rated movie is still recommended');
  assert.notDeepEqual(afterIds, beforeIds);
  assert.match(await page.textContent('#recs-meta'), /includes ratings made since training/);
  const mine = await page.$$eval('#my-ratings li', (els) => els.map((e) => e.dataset.id));
  assert.ok(mine.includes(beforeIds[0]), 'the new rating is not listed');
  await shot(page, '04-user-after');
  await page.close();
});

test('user page: editing a rating and the genre / variety toggles update recommendations', { skip }, async () => {
  const page = await newPage();
  await page.goto(`${base}/#/user/5`);
  await page.waitForSelector('#recs > li[data-id]');
  const count = async () => Number((await page.textContent('#ratings-h')).match(/\((\d+)\)/)[1]);
  const n0 = await count();
  const first = await page.getAttribute('#my-ratings li', 'data-id');
  await page.click(`#my-ratings li[data-id="${first}"] button.danger`);
  await page.waitForFunction((n) => document.querySelector('#ratings-h').textContent.includes(`(${n - 1})`), n0);
  assert.equal(await count(), n0 - 1);

  await page.selectOption('#opt-genre', 'Comedy');
  await page.waitForFunction(() => {
    const li = [...document.querySelectorAll('#recs > li[data-id]')];
    return li.length > 0 && li.every((e) => [...e.querySelectorAll('.chip')].some((c) => c.textContent === 'Comedy'));
  });
  await page.selectOption('#opt-genre', '');
  const plain = await (async () => { await page.waitForFunction(() => document.querySelectorAll('#recs > li[data-id]').length === 10); return recIds(page); })();
  await page.fill('#opt-variety', '1');
  await page.dispatchEvent('#opt-variety', 'change');
  await page.waitForFunction((p) => {
    const ids = [...document.querySelectorAll('#recs > li[data-id]')].map((e) => e.dataset.id);
    return ids.length === 10 && ids.join() !== p.join();
  }, plain);
  await shot(page, '05-user-toggles');
  await page.close();
});

test('new visitor: rate a varied set, skip one, get recommendations, keep the profile', { skip }, async () => {
  const page = await newPage();
  await page.goto(`${base}/#/new`);
  await page.waitForSelector('#starter > li');
  const genres = await page.$$eval('#starter .chip', (els) => new Set(els.map((e) => e.textContent)).size);
  assert.ok(genres >= 12, `starting set covers only ${genres} genres`);
  const firstSkipped = await page.getAttribute('#starter > li', 'data-id');
  await page.click('#starter > li button.link'); // skip the first
  await page.waitForFunction((id) => !document.querySelector(`#starter > li[data-id="${id}"]`), firstSkipped);
  for (const v of [5, 4, 2]) {
    const li = await page.$('#starter > li:not(.rated)');
    await (await li.$(`button[data-value="${v}"]`)).click();
  }
  await page.waitForFunction(() => document.querySelectorAll('#visitor-recs > li[data-id]').length === 10);
  assert.match(await page.textContent('#rated-count'), /3 rated · 1 skipped/);
  await shot(page, '06-new-visitor');
  await page.click('#keep-btn');
  await page.waitForSelector('#keep-status a');
  const href = await page.getAttribute('#keep-status a', 'href');
  await page.click('#keep-status a');
  await page.waitForSelector('#my-ratings li');
  assert.equal((await page.$$('#my-ratings li')).length, 3);
  assert.match(href, /#\/user\/\d+$/);
  await page.close();
});

test('dashboard: statistics and model charts with hover values', { skip }, async () => {
  const page = await newPage();
  await page.goto(`${base}/#/dashboard`);
  await page.waitForSelector('#dataset figure.chart svg');
  await page.waitForSelector('#model-table tbody tr');
  assert.equal(await page.textContent('#t-ratings .tile-value'), (100000).toLocaleString('en-US'));
  const figs = await page.$$eval('#dataset figure.chart figcaption', (els) => els.map((e) => e.textContent));
  for (const want of ['Rating distribution', 'Genres by ratings', 'Long tail: ratings per movie', 'Long tail: ratings per user', 'Ratings over time (per month)']) {
    assert.ok(figs.includes(want), `missing chart ${want}; have ${figs.join(' | ')}`);
  }
  const bar = await page.$('#dataset figure.chart rect.bar');
  await bar.hover();
  const tip = await page.waitForSelector('#dataset .chart-tip:not([hidden])');
  assert.match(await tip.textContent(), /\d/);
  // The long-tail line has a hover guide.
  const overlay = await page.$$('#dataset rect.overlay');
  await overlay[0].hover({ position: { x: 30, y: 30 } });
  await page.waitForFunction(() => [...document.querySelectorAll('#dataset .chart-tip')].some((t) => !t.hidden && /—/.test(t.textContent)));
  await shot(page, '07-dashboard');
  await page.close();
});

test('dashboard: models with metrics are compared side by side, loss curves drawn', { skip }, async () => {
  // The registry of this fresh store holds only the model `serve` trained (no metrics), so
  // the registry answer is replaced by one with evaluated models to exercise the charts.
  const registry = [
    { version: 1, algorithm: 'svd', params: {}, dataset_hash: 'h', created_at: 1_700_000_000, active: true, serving: true, loaded: true,
      metrics: { rmse: 0.93, mae: 0.73, ranking: { 'ndcg@10': 0.21, 'precision@10': 0.18 }, train_loss: [1.2, 0.95, 0.88, 0.85, 0.84] } },
    { version: 2, algorithm: 'als', params: {}, dataset_hash: 'h', created_at: 1_700_000_100, active: false, serving: false, loaded: false,
      metrics: { rmse: 0.97, mae: 0.76, ranking: { 'ndcg@10': 0.19, 'precision@10': 0.16 }, epochs: [{ epoch: 1, train_loss: 2.0 }, { epoch: 2, train_loss: 1.4 }, { epoch: 3, train_loss: 1.1 }] } },
    { version: 3, algorithm: 'baseline', params: {}, dataset_hash: 'h', created_at: 1_700_000_200, active: false, serving: false, loaded: false, metrics: null },
  ];
  const page = await newPage();
  await page.route((url) => url.pathname === '/models', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(registry) }));
  await page.goto(`${base}/#/dashboard`);
  await page.waitForSelector('#model-table tbody tr');
  assert.equal((await page.$$('#model-table tbody tr')).length, 3);
  const heads = await page.$$eval('#model-table thead th', (els) => els.map((e) => e.textContent));
  for (const k of ['rmse', 'mae', 'ranking.ndcg@10', 'ranking.precision@10']) assert.ok(heads.includes(k), `no column ${k}`);
  assert.ok(!heads.includes('train_loss'), 'a loss curve is not a metric column');
  // Grouped comparison: 4 metrics × 2 evaluated models = 8 bars, each with a hover value.
  assert.equal((await page.$$('#compare rect.bar')).length, 8);
  await (await page.$('#compare rect.bar')).hover();
  assert.match(await (await page.waitForSelector('#compare .chart-tip:not([hidden])')).textContent(), /svd v1 · mae: 0\.73/);
  await page.selectOption('#metric-pick', 'rmse');
  await page.waitForFunction(() => document.querySelectorAll('#compare rect.bar').length === 2);
  // Loss curves of both shapes.
  const legend = await page.$$eval('#loss .legend li', (els) => els.map((e) => e.textContent));
  assert.deepEqual(legend, ['svd v1 train_loss', 'als v2 epochs.train_loss']);
  await (await page.$('#loss circle')).hover();
  await page.waitForSelector('#loss .chart-tip:not([hidden])');
  await shot(page, '10-dashboard-models');
  await page.close();
});

test('runs page: a metric over the runs, and two runs compared side by side', { skip }, async () => {
  // The server's runs folder is empty in this fresh directory: the answer of GET /runs is
  // replaced by three recorded runs (what `cinerec eval` / `pipeline run` write).
  const run = (id, algorithm, metrics, params) => ({
    id, kind: 'eval', algorithm, params, dataset: 'ml-100k', dataset_hash: 'h1', started_unix: 1_700_000_000, seconds: 1.5,
    metrics, eval: { split: { kind: 'temporal', test_ratio: 0.2 }, k: 10, rating: true, ranking: true, factorized: false },
    machine: { host: 'x', os: 'linux-x86_64', cores: 2 }, code_version: 'cinerec 0.1.0', note: null,
  });
  const list = [
    run('20261201-100000-000-aaaaaa', 'svd', { rmse: 0.95, 'ndcg@10': 0.05, fit_seconds: 0.1 }, { n_factors: 100 }),
    run('20261201-100100-000-bbbbbb', 'svd', { rmse: 0.94, 'ndcg@10': 0.06, fit_seconds: 0.1 }, { n_factors: 200 }),
    run('20261201-100200-000-cccccc', 'ease', { 'ndcg@10': 0.2456, fit_seconds: 1.2 }, { lambda: 800 }),
  ];
  const page = await newPage();
  await page.route((url) => url.pathname === '/runs', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(list) }));
  await page.goto(`${base}/#/runs`);
  await page.waitForSelector('#runs-table tbody tr');
  assert.equal((await page.$$('#runs-table tbody tr')).length, 3);
  // ndcg@10 is charted first: one line per algorithm.
  assert.equal(await page.$eval('#run-metric', (e) => e.value), 'ndcg@10');
  assert.deepEqual(await page.$$eval('#run-chart .legend li', (els) => els.map((e) => e.textContent)), ['svd', 'ease']);
  await page.selectOption('#run-metric', 'rmse');
  // Only svd has an RMSE: one line, so no legend.
  await page.waitForFunction(() => document.querySelector('#run-chart figcaption')?.textContent === 'rmse over runs');
  assert.equal((await page.$$('#run-chart .legend li')).length, 0);
  // Compare needs two ticks.
  assert.equal(await page.$eval('#compare-runs', (b) => b.disabled), true);
  await page.check('#runs-table tbody tr:nth-child(1) input[type=checkbox]');
  await page.check('#runs-table tbody tr:nth-child(2) input[type=checkbox]');
  await page.click('#compare-runs');
  await page.waitForSelector('#compare-table');
  assert.equal((await page.$$('#compare-table thead th')).length, 3);
  const row = (name) => page.$$eval('#compare-table tbody tr', (trs, n) => {
    const tr = trs.find((t) => t.querySelector('th').textContent === n);
    return tr ? [...tr.querySelectorAll('td')].map((td) => td.textContent) : null;
  }, name);
  assert.deepEqual(await row('param n_factors'), ['100', '200']);
  assert.equal((await row('rmse')).length, 2);
  assert.ok(await page.$('#compare-table tr.differs'), 'differing rows are marked');
  await shot(page, '11-runs');
  await page.close();
});

test('phone width: no horizontal scrolling, menu works, pages usable', { skip }, async () => {
  const page = await newPage({ width: 390, height: 844 });
  for (const route of ['#/', '#/movie/50', '#/user/1', '#/new', '#/dashboard', '#/explore/Drama']) {
    await page.goto(`${base}/${route}`);
    await page.waitForSelector('main h1');
    await page.waitForLoadState('networkidle');
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 1, `${route} scrolls sideways by ${over}px`);
  }
  await page.goto(`${base}/#/movie/50`);
  await page.waitForSelector('#similar-list > li');
  await shot(page, '08-phone-movie');
  assert.equal(await page.isVisible('#nav a[href="#/dashboard"]'), false);
  await page.click('#menu');
  await page.click('#nav a[href="#/dashboard"]');
  await page.waitForSelector('#dataset figure.chart svg');
  await page.waitForLoadState('networkidle');
  await shot(page, '09-phone-dashboard');
  await page.close();
});

test('keyboard: focus is visible and controls are real buttons and links', { skip }, async () => {
  const page = await newPage();
  await page.goto(`${base}/#/movie/1`);
  await page.waitForSelector('#similar-list > li');
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({ id: document.activeElement.id, outline: getComputedStyle(document.activeElement).outlineStyle }));
  assert.equal(first.id, 'skip');
  assert.notEqual(first.outline, 'none');
  // Tab reaches the search box, then the nav links, each with a visible focus ring.
  const seen = [];
  for (let k = 0; k < 12; k += 1) {
    await page.keyboard.press('Tab');
    seen.push(await page.evaluate(() => {
      const a = document.activeElement;
      return { tag: a.tagName, id: a.id, href: a.getAttribute('href'), outline: getComputedStyle(a).outlineStyle };
    }));
  }
  assert.ok(seen.some((s) => s.id === 'q'), 'search box not reachable by Tab');
  assert.ok(seen.some((s) => s.href === '#/dashboard'), 'dashboard link not reachable by Tab');
  for (const s of seen) assert.notEqual(s.outline, 'none', `no focus ring on ${s.tag}#${s.id}`);
  // Every clickable thing is a button, link or form control; every control has a label.
  const bad = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select')) {
      const labelled = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!labelled && el.type !== 'hidden') out.push(`unlabelled ${el.tagName}#${el.id}`);
    }
    for (const el of document.querySelectorAll('div[tabindex], span[tabindex]')) out.push(`focusable ${el.tagName}`);
    return out;
  });
  assert.deepEqual(bad, []);
  // Keyboard-only rating from the movie page: the similar-method tabs respond to Enter.
  await page.focus('button[data-method="collaborative"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('button[data-method="collaborative"][aria-pressed="true"]');
  await page.close();
});

test('unknown routes and API errors are shown, not thrown', { skip }, async () => {
  const page = await newPage();
  await page.goto(`${base}/#/nowhere`);
  await page.waitForSelector('.note.error');
  await page.goto(`${base}/#/search/zzzzqqq`);
  await page.waitForSelector('main .note');
  assert.match(await page.textContent('main'), /No movie matches/);
  const r = await fetch(`${base}/ui/nope.js`);
  assert.equal(r.status, 404);
  assert.match(r.headers.get('content-type'), /json/);
  const css = await fetch(`${base}/ui/style.css`);
  assert.match(css.headers.get('content-type'), /text\/css/);
  await page.close();
});
