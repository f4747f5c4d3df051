// Seed 001: "npm run sensory_organs:dev", then open /src/organs.html. The dev server serves the organs
// panel there as well as under /panel/, its API calls proxied to a running server.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { ADMIN, startTestFabrica, type TestFabrica } from '../support/app.js';

const CHROMIUM = process.env.FABRICA_TEST_CHROMIUM ?? '/usr/bin/chromium';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('npm run sensory_organs:dev', () => {
  let f: TestFabrica;
  let dev: ChildProcess;
  let base: string;
  let output = '';
  before(async () => {
    f = await startTestFabrica('sqlite');
    const api = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Its own process group, so that stopping it stops npm's children (vite) too.
    dev = spawn(
      'npm',
      ['run', 'sensory_organs:dev', '--', '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
      {
        env: { ...process.env, FABRICA_URL: api },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    dev.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    dev.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/panel/`)).ok) break;
      } catch {
        // not listening yet
      }
      if (dev.exitCode !== null || Date.now() > deadline)
        throw new Error(`the dev server did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    if (dev?.pid !== undefined && dev.exitCode === null) {
      const exited = new Promise((r) => dev.once('exit', r));
      process.kill(-dev.pid, 'SIGTERM');
      await exited;
    }
    await f?.close();
  });

  it('serves the panel under /panel/ and leads /src/organs.html to its organs page', async () => {
    const panel = await fetch(`${base}/panel/`);
    assert.equal(panel.status, 200);
    assert.match(await panel.text(), /<div id="app"><\/div>/);
    const seed = await fetch(`${base}/src/organs.html`, { redirect: 'manual' });
    assert.equal(seed.status, 302);
    assert.equal(seed.headers.get('location'), '/panel/#/organs');
    assert.equal((await fetch(`${base}/src/organs.html?x=1`, { redirect: 'manual' })).status, 302);
    // The API is proxied to the running server.
    const caps = await fetch(`${base}/capabilities`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(caps.status, 200);
  });

  it(
    'in Chromium, /src/organs.html opens the organs page',
    { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` },
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${base}/src/organs.html`);
        assert.match(page.url(), /\/panel\/#\/organs$/);
        await page.getByLabel('Access token').fill(ADMIN);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { level: 1, name: 'Organs' }).waitFor({ timeout: 60_000 });
      } finally {
        await browser.close();
      }
    },
  );
});
