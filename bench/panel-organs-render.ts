// How fast the panel shows a long organ list: 1,000 organs recorded in an in-process fabrica, Chromium
// opening `#/organs`, and the time from the navigation's start to the 1,000th row being in the DOM
// (median of several loads). Loopback only; stops by itself. Run with `npm run bench:panel-render`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ADMIN_PRINCIPAL } from '../src/domain/access.js';
import { validateCellTemplate } from '../src/domain/cells/cell-template.js';
import { parseOrganTemplate } from '../src/domain/organs/organ-template.js';
import { BENCH_ADMIN_TOKEN } from './settings.js';
import { benchFabrica, listen } from './targets.js';

const ORGANS = Number(process.env.BENCH_PANEL_ORGANS ?? 1000);
const RUNS = Number(process.env.BENCH_PANEL_RUNS ?? 7);
const CHROMIUM = process.env.FABRICA_TEST_CHROMIUM ?? '/usr/bin/chromium';
const LIMIT_MS = 180_000;

// Whatever happens, the benchmark ends: a hung browser or server must not keep it running.
setTimeout(() => {
  process.stderr.write(`panel render bench: gave up after ${LIMIT_MS / 1000} s\n`);
  process.exit(2);
}, LIMIT_MS).unref();

if (!existsSync(join('panel', 'dist', 'index.html')))
  throw new Error('build the panel first: npm run panel:build');
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set FABRICA_TEST_CHROMIUM)`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const { fabrica: f, cleanup } = await benchFabrica({});
try {
  // The echo cell, approved to stable, and a thousand echo organs (HITL: they settle at experimental).
  const cell = validateCellTemplate(
    JSON.parse(readFileSync('examples/cells/analysis.echo_adapter.v1.json', 'utf8')),
  );
  if (!cell.ok) throw new Error(cell.error.reason);
  const made = await f.cells.fabricate('adapter', cell.value, true, ADMIN_PRINCIPAL);
  if (!made.ok) throw new Error(made.error.reason);
  for (let i = 0; i < 3; i += 1) await f.cells.command(made.value.id, 'approve', { actor: 'bench' });
  const organ = parseOrganTemplate(JSON.parse(readFileSync('examples/organs/organ.echo.v1.json', 'utf8')));
  if (!organ.ok) throw new Error(organ.error.reason);
  const t0 = performance.now();
  for (let i = 0; i < ORGANS; i += 1) {
    const r = await f.organs.build(organ.value, ADMIN_PRINCIPAL);
    if (!r.ok) throw new Error(r.error.reason);
  }
  // Let the stage timers settle, so the browser loads a quiet server.
  for (;;) {
    const counts = await f.store.organs.countByState();
    if ((counts.draft ?? 0) + (counts.canary ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seeded = performance.now() - t0;
  const url = await listen(f.app);

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Notes, on every load, when the first and the N-th organ row enter the DOM (ms since navigation start).
    await context.addInitScript(`
      window.__rows = { first: null, all: null };
      new MutationObserver((_, obs) => {
        const n = document.querySelectorAll('.organ-row').length;
        if (n > 0 && window.__rows.first === null) window.__rows.first = performance.now();
        if (n >= ${ORGANS}) { window.__rows.all = performance.now(); obs.disconnect(); }
      }).observe(document, { childList: true, subtree: true });
    `);
    const page = await context.newPage();
    await page.goto(`${url}/panel/`);
    await page.getByLabel('Access token').fill(BENCH_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    const runs: { first: number; all: number; api: number }[] = [];
    for (let i = 0; i <= RUNS; i += 1) {
      // A full load each time (the token stays in the tab's sessionStorage): page, whoami, list.
      await page.goto('about:blank');
      await page.goto(`${url}/panel/#/organs`);
      // Polled from outside: the panel's CSP forbids the eval waitForFunction would need.
      await page
        .locator('.organ-row')
        .nth(ORGANS - 1)
        .waitFor({ state: 'attached', timeout: 30_000 });
      while ((await page.evaluate<boolean>('window.__rows.all !== null')) === false) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const r = await page.evaluate<{ first: number; all: number; api: number }>(`({
        first: window.__rows.first,
        all: window.__rows.all,
        api: performance.getEntriesByType('resource')
          .filter((e) => e.name.includes('/organs?'))
          .map((e) => e.responseEnd - e.startTime)[0] ?? NaN,
      })`);
      if (i > 0) runs.push(r); // the first load warms the caches and the JIT
    }
    const fmt = (v: number) => `${Math.round(v)} ms`;
    const size = execFileSync(process.execPath, ['scripts/panel-size.mjs'], { encoding: 'utf8' });
    process.stdout.write(
      [
        `organs: ${ORGANS} (recorded and settled in ${fmt(seeded)}), loads measured: ${runs.length}`,
        '',
        '| measure (median) | time |',
        '| --- | --- |',
        `| navigation start → first organ row | ${fmt(median(runs.map((r) => r.first)))} |`,
        `| navigation start → all ${ORGANS} rows | ${fmt(median(runs.map((r) => r.all)))} |`,
        `| of which \`GET /organs?limit=1000\` | ${fmt(median(runs.map((r) => r.api)))} |`,
        `| slowest load, all rows | ${fmt(Math.max(...runs.map((r) => r.all)))} |`,
        '',
        size,
      ].join('\n'),
    );
  } finally {
    await browser.close();
  }
} finally {
  await cleanup();
}
