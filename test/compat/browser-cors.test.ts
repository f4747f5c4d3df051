// Neira's metrics panel fetches /metrics from a page of another origin: CORS as FABRICA_CORS_ORIGINS
// says, checked on the wire and in a real Chromium.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { decideCors } from '../../src/http/cors.js';
import { ADMIN, startTestFabrica, type TestFabrica } from '../support/app.js';
import { STORE_KINDS } from '../support/stores.js';

const CHROMIUM = process.env.FABRICA_TEST_CHROMIUM ?? '/usr/bin/chromium';
const chromiumSkip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (install Debian's chromium)`;
if (chromiumSkip !== false) console.log(`skipped: CORS in Chromium: ${chromiumSkip}`);

const PANEL = 'http://127.0.0.1:5173';
const preflight = (origin: string, headers = 'authorization') => ({
  token: null,
  headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': headers },
});

describe('CORS settings', () => {
  it('FABRICA_CORS_ORIGINS takes origins and *; anything else stops the start', () => {
    const load = (v: string) => loadConfig({ env: { FABRICA_CORS_ORIGINS: v }, cwd: process.cwd() });
    assert.deepEqual(load('http://127.0.0.1:5173, https://panel.example.org').corsOrigins, [
      PANEL,
      'https://panel.example.org',
    ]);
    assert.deepEqual(load('*').corsOrigins, ['*']);
    assert.deepEqual(loadConfig({ env: {}, cwd: process.cwd() }).corsOrigins, []);
    for (const bad of ['http://x.org/panel', 'panel.example.org', 'ftp://x.org', 'http://x.org/', 'null']) {
      assert.throws(
        () => load(bad),
        (e: unknown) =>
          e instanceof ConfigError && /FABRICA_CORS_ORIGINS must be comma-separated origins/.test(e.message),
        bad,
      );
    }
  });

  it('* never comes with credentials nor opens a guarded route', () => {
    assert.equal(decideCors(['*'], 'http://a.example', 'guarded'), false);
    const pub = decideCors(['*'], 'http://a.example', 'public');
    assert.ok(pub !== false && pub.origin === '*' && !pub.credentials);
    const pre = decideCors(['*'], 'http://a.example', 'preflight');
    assert.ok(pre !== false && !pre.allowedHeaders.includes('authorization') && !pre.credentials);
    const listed = decideCors(['*', PANEL], PANEL, 'guarded');
    assert.ok(listed !== false && listed.origin === PANEL && listed.credentials);
    assert.equal(decideCors([PANEL], undefined, 'public'), false);
    assert.equal(decideCors([], PANEL, 'public'), false);
  });
});

for (const { kind, skip } of STORE_KINDS) {
  describe(`CORS on the wire (${kind})`, { skip }, () => {
    let none: TestFabrica;
    let listed: TestFabrica;
    let star: TestFabrica;
    before(async () => {
      none = await startTestFabrica(kind);
      listed = await startTestFabrica(kind, { FABRICA_CORS_ORIGINS: PANEL });
      star = await startTestFabrica(kind, { FABRICA_CORS_ORIGINS: '*' });
    });
    after(async () => {
      await none.close();
      await listed.close();
      await star.close();
    });

    it('by default no origin is allowed: no CORS header, preflights are 404', async () => {
      const r = await none.request('GET', '/metrics', { token: null, headers: { origin: PANEL } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
      const p = await none.request('OPTIONS', '/metrics', preflight(PANEL));
      assert.equal(p.status, 404);
      assert.equal(p.headers['access-control-allow-origin'], undefined);
    });

    it('a listed origin: preflight answered, every route with its token, credentials allowed', async () => {
      const p = await listed.request(
        'OPTIONS',
        '/capabilities',
        preflight(PANEL, 'authorization,content-type'),
      );
      assert.equal(p.status, 204);
      assert.equal(p.headers['access-control-allow-origin'], PANEL);
      assert.equal(p.headers['access-control-allow-credentials'], 'true');
      assert.match(String(p.headers['access-control-allow-headers']), /authorization/);
      assert.match(String(p.headers['access-control-allow-methods']), /POST/);
      for (const url of ['/metrics', '/capabilities', '/llm/factory/runs']) {
        const r = await listed.request('GET', url, { headers: { origin: PANEL } });
        assert.equal(r.status, 200, `${url}: ${r.text}`);
        assert.equal(r.headers['access-control-allow-origin'], PANEL, url);
        assert.match(String(r.headers.vary), /Origin/);
        assert.match(String(r.headers['access-control-expose-headers']), /x-request-id/);
      }
      // A refusal is readable by the page too (it says why), and still a refusal.
      const refused = await listed.request('GET', '/capabilities', {
        token: null,
        headers: { origin: PANEL },
      });
      assert.equal(refused.status, 401);
      assert.equal(refused.headers['access-control-allow-origin'], PANEL);
      // Another origin gets nothing, and its preflight is not answered.
      const other = 'http://127.0.0.1:5174';
      const r = await listed.request('GET', '/metrics', { token: null, headers: { origin: other } });
      assert.equal(r.headers['access-control-allow-origin'], undefined);
      const op = await listed.request('OPTIONS', '/capabilities', preflight(other));
      assert.equal(op.status, 404);
      assert.equal(op.headers['access-control-allow-origin'], undefined);
      // A preflight without the headers a browser sends is refused.
      const bad = await listed.request('OPTIONS', '/capabilities', {
        token: null,
        headers: { origin: PANEL },
      });
      assert.equal(bad.status, 400);
    });

    it('* opens the public routes to any page, never with credentials, never a guarded route', async () => {
      const page = 'http://anywhere.example';
      const m = await star.request('GET', '/metrics', { token: null, headers: { origin: page } });
      assert.equal(m.status, 200);
      assert.equal(m.headers['access-control-allow-origin'], '*');
      assert.equal(m.headers['access-control-allow-credentials'], undefined);
      const h = await star.request('GET', '/healthz', { token: null, headers: { origin: page } });
      assert.equal(h.headers['access-control-allow-origin'], '*');
      const guarded = await star.request('GET', '/capabilities', { headers: { origin: page } });
      assert.equal(guarded.status, 200);
      assert.equal(guarded.headers['access-control-allow-origin'], undefined);
      const p = await star.request('OPTIONS', '/capabilities', preflight(page));
      assert.equal(p.headers['access-control-allow-credentials'], undefined);
      assert.doesNotMatch(String(p.headers['access-control-allow-headers']), /authorization/);
    });
  });
}

/** A page server on a loopback port of its own: another origin than fabrica's. */
async function pageServer(html: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('CORS in Chromium', { skip: chromiumSkip }, () => {
  let f: TestFabrica;
  let browser: Browser;
  let api: string;
  const pages: Server[] = [];
  let allowed: string;
  let stranger: string;
  before(async () => {
    const a = await pageServer('<!doctype html><title>metrics panel</title>');
    const b = await pageServer('<!doctype html><title>another page</title>');
    pages.push(a.server, b.server);
    allowed = a.origin;
    stranger = b.origin;
    f = await startTestFabrica('sqlite', { FABRICA_CORS_ORIGINS: allowed });
    api = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await f?.close();
    for (const s of pages) await new Promise((r) => s.close(r));
  });

  /** Runs the panel's fetches inside a page of `origin`: /metrics, then an authorized route. */
  const fetchFrom = async (origin: string) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      return await page.evaluate(
        `(async () => {
          const out = {};
          const attempt = async (name, url, init) => {
            try {
              const r = await fetch(url, init);
              out[name] = { status: r.status, text: (await r.text()).slice(0, 2000), requestId: r.headers.get('x-request-id') };
            } catch (e) {
              out[name] = { error: String(e) };
            }
          };
          await attempt('metrics', ${JSON.stringify(`${api}/metrics`)});
          await attempt('capabilities', ${JSON.stringify(`${api}/capabilities`)}, { headers: { authorization: 'Bearer ${ADMIN}' } });
          await attempt('create', ${JSON.stringify(`${api}/llm/rooms`)}, {
            method: 'POST',
            headers: { authorization: 'Bearer ${ADMIN}', 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'from the browser' }),
          });
          return out;
        })()`,
      );
    } finally {
      await context.close();
    }
  };

  it('a page of a listed origin reads /metrics and an authorized route, and writes with its token', async () => {
    const out = (await fetchFrom(allowed)) as Record<
      string,
      { status?: number; text?: string; requestId?: string; error?: string }
    >;
    assert.equal(out.metrics?.status, 200, JSON.stringify(out.metrics));
    assert.match(out.metrics.text!, /^# HELP /m);
    assert.equal(out.capabilities?.status, 200, JSON.stringify(out.capabilities));
    assert.match(out.capabilities.text!, /factory_adapter/);
    assert.ok(out.capabilities.requestId, 'x-request-id is exposed to the page');
    assert.equal(out.create?.status, 201, JSON.stringify(out.create));
    assert.match(out.create.text!, /from the browser/);
  });

  it('a page of another origin is kept from every answer, and its write never happens', async () => {
    const before = (await f.request('GET', '/llm/rooms')).body.data.length;
    const out = (await fetchFrom(stranger)) as Record<string, { status?: number; error?: string }>;
    for (const name of ['metrics', 'capabilities', 'create']) {
      assert.match(
        String(out[name]?.error),
        /TypeError: Failed to fetch/,
        `${name}: ${JSON.stringify(out[name])}`,
      );
    }
    assert.equal((await f.request('GET', '/llm/rooms')).body.data.length, before);
  });
});
