#!/usr/bin/env node
// Runs every test file under test/ with node's test runner (TypeScript through tsx).
// Suites that need PostgreSQL run when FABRICA_TEST_DATABASE_URL is set; the panel's browser tests run
// when Chromium is installed (FABRICA_TEST_CHROMIUM, default /usr/bin/chromium) and the panel is built;
// the verification sandbox's tests when bubblewrap (bwrap) is on the PATH.
// Otherwise they are skipped, and this script says so before and after the run.
// With CI=true a skipped suite is a failure: the run exits 1 and names what was missing (CI must run
// everything; a green run that skipped PostgreSQL or the browser tests would mean little).
//
// Concurrency and the per-file time limit fit the machine: see docs/testing.md. FABRICA_TEST_CONCURRENCY
// and FABRICA_TEST_TIMEOUT_MS override them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, sep } from 'node:path';

const ci = process.env.CI === 'true' || process.env.CI === '1';

const only = process.argv.slice(2);
const found = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) found.push(p);
  }
};
walk('test');
const files = only.length > 0 ? found.filter((f) => only.some((o) => f.includes(o))) : found.sort();

const skipped = [];
if (!process.env.FABRICA_TEST_DATABASE_URL) {
  skipped.push(
    'PostgreSQL suites (store contract, multi-instance, crash on PostgreSQL): FABRICA_TEST_DATABASE_URL is not set',
  );
}
if (files.some((f) => f.startsWith(join('test', 'panel') + sep))) {
  const chromium = process.env.FABRICA_TEST_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    skipped.push(`panel browser tests: no Chromium at ${chromium} (install Debian's chromium)`);
  } else if (!existsSync(join('panel', 'dist', 'index.html'))) {
    skipped.push('panel browser tests: the panel is not built (run npm run build)');
  }
}
const onPath = (program) =>
  (process.env.PATH ?? '')
    .split(':')
    .filter((d) => d.startsWith('/'))
    .some((d) => existsSync(join(d, program)));
if (files.some((f) => f.includes('verify-sandbox')) && !onPath('bwrap')) {
  skipped.push('verification sandbox tests: bwrap is not installed (apt-get install bubblewrap)');
}
if (files.some((f) => f.endsWith(`${sep}metrics.test.ts`)) && !onPath('promtool')) {
  skipped.push('metrics format check: promtool is not installed (apt-get install prometheus)');
}
const notice = () => {
  for (const s of skipped) process.stdout.write(`skipped: ${s}\n`);
};
notice();
if (ci && skipped.length > 0) {
  process.stdout.write(`CI=true: a skipped suite is a failure (${skipped.length} above); nothing was run\n`);
  process.exit(1);
}

// Two cores run two files at once: files spend much of their time waiting on child servers, the store
// and the browser, so two overlap well (docs/testing.md has the measurements).
const cores = availableParallelism();
const concurrency = Number(process.env.FABRICA_TEST_CONCURRENCY ?? Math.max(1, Math.min(cores, 4)));
// The per-file limit only catches a file that hangs: generous, and scaled by how busy the machine is
// when the run starts. The load can rise after the start (two busy loops started with the suite took
// the load average from 1.9 to 10 within ten minutes), so even an idle start allows 15 minutes, about
// seven times the slowest file alone on an idle machine.
const busy = Math.min(4, Math.max(1, loadavg()[0] / cores));
const timeoutMs = Number(process.env.FABRICA_TEST_TIMEOUT_MS ?? Math.round(900_000 * busy));
process.stdout.write(
  `running ${files.length} files, ${concurrency} at a time, at most ${Math.round(timeoutMs / 1000)} s each ` +
    `(${cores} cores, load ${loadavg()[0].toFixed(1)})\n`,
);
const skipDir = mkdtempSync(join(tmpdir(), 'fabrica-skips-'));
const skipLog = join(skipDir, 'skipped.txt');

const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${timeoutMs}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/skip-reporter.mjs',
    '--test-reporter-destination=stderr',
    ...files,
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      FABRICA_LOG_LEVEL: process.env.FABRICA_LOG_LEVEL ?? 'silent',
      FABRICA_SKIP_LOG: skipLog,
    },
  },
);
notice();
const skippedTests = existsSync(skipLog) ? readFileSync(skipLog, 'utf8').split('\n').filter(Boolean) : [];
rmSync(skipDir, { recursive: true, force: true });
if (ci && skippedTests.length > 0) {
  for (const t of skippedTests) process.stdout.write(`skipped test: ${t}\n`);
  process.stdout.write(`CI=true: ${skippedTests.length} skipped tests or suites are a failure\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
