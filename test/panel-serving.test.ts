import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';

describe('serving the panel', () => {
  let built: TestFabrica;
  let missing: TestFabrica;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fabrica-panel-'));
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>panel</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'outside the panel');
    built = await startTestFabrica('sqlite', {}, undefined, { panelDir: dist });
    missing = await startTestFabrica('sqlite', {}, undefined, { panelDir: join(dir, 'nowhere') });
  });
  after(async () => {
    await built.close();
    await missing.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at /panel/ without a token, revalidated, with a strict policy', async () => {
    const r = await built.request('GET', '/panel/', { token: null });
    assert.equal(r.status, 200);
    assert.equal(r.text, '<!doctype html><title>panel</title>');
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
  });

  it('redirects / and /panel to /panel/', async () => {
    for (const url of ['/', '/panel']) {
      const r = await built.request('GET', url, { token: null });
      assert.equal(r.status, 302, url);
      assert.equal(r.headers.location, '/panel/');
    }
  });

  it('serves hashed assets for good, and answers a missing one with 404', async () => {
    const r = await built.request('GET', '/panel/assets/index-abc123.js', { token: null });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'console.log(1)');
    assert.match(String(r.headers['content-type']), /^text\/javascript/);
    assert.match(String(r.headers['cache-control']), /immutable/);
    const gone = await built.request('GET', '/panel/assets/index-old.js', { token: null });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.code, 'not_found');
  });

  it('answers other panel paths with index.html and never a file outside the directory', async () => {
    const deep = await built.request('GET', '/panel/some/page', { token: null });
    assert.equal(deep.text, '<!doctype html><title>panel</title>');
    for (const url of ['/panel/../secret.txt', '/panel/..%2fsecret.txt', '/panel/%2e%2e/secret.txt']) {
      const r = await built.request('GET', url, { token: null });
      assert.ok(!r.text.includes('outside the panel'), `${url} leaked a file`);
    }
  });

  it('says the panel is not built when its directory is missing', async () => {
    for (const url of ['/panel/', '/panel/assets/index-abc123.js']) {
      const r = await missing.request('GET', url, { token: null });
      assert.equal(r.status, 503);
      assert.equal(r.body.code, 'panel_not_built');
      assert.match(r.body.reason, /npm run build/);
    }
  });

  it('leaves the panel routes out of the OpenAPI document', async () => {
    const o = await built.request('GET', '/openapi.json', { token: null });
    assert.deepEqual(
      Object.keys(o.body.paths).filter((p) => p === '/' || p.startsWith('/panel')),
      [],
    );
  });
});
