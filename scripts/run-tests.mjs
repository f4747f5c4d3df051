#!/usr/bin/env node
// Runs every test file under test/ with node's test runner (TypeScript through tsx).
// Suites that need PostgreSQL run when FABRICA_TEST_DATABASE_URL is set; otherwise they are skipped,
// and this script says so before and after the run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
