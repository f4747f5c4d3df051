#!/usr/bin/env node
// Runs every test file under test/ with node's test runner (TypeScript through tsx).
// Suites that need PostgreSQL run when FABRICA_TEST_DATABASE_URL is set; the panel's browser tests run
// when Chromium is installed (FABRICA_TEST_CHROMIUM, default /usr/bin/chromium) and the panel is built;
// the verification sandbox's tests when bubblewrap (bwrap) is on the PATH.
// Otherwise they are skipped, and this script says so before and after the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

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
if (files.some((f) => f.includes('verify-sandbox'))) {
  const path = (process.env.PATH ?? '').split(':').filter((d) => d.startsWith('/'));
  if (!path.some((d) => existsSync(join(d, 'bwrap')))) {
    skipped.push('verification sandbox tests: bwrap is not installed (apt-get install bubblewrap)');
  }
}
const notice = () => {
  for (const s of skipped) process.stdout.write(`skipped: ${s}\n`);
};
notice();

const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=120000',
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, FABRICA_LOG_LEVEL: process.env.FABRICA_LOG_LEVEL ?? 'silent' } },
);
notice();
process.exit(result.status ?? 1);
