import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ERROR_CODES } from '../src/domain/errors.js';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly raw: string;
}

/** Sends `request` as bytes and reads until the server closes (it is asked to); fails on a hang. */
function rawRequest(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let raw = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (raw += d));
    socket.on('error', () => undefined);
    const hang = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer to ${request.slice(0, 80)}: ${raw.slice(0, 300)}`));
    }, 20_000);
    socket.on('close', () => {
      clearTimeout(hang);
      const [head = '', body = ''] = raw.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, raw });
    });
  });
}

const get = (target: string, headers: string[] = [], method = 'GET', body = '') =>
  `${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}` +
  (body === '' ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`) +
  `\r\n${body}`;

/** Every way a client can hand over a secret, with the secret in it. */
const placements = (secret: string) => ({
  query: { suffix: `?token=${secret}`, headers: [] as string[] },
  'query, later parameter': { suffix: `?after=1&token=${secret}&x=2`, headers: [] as string[] },
  'query, percent-encoded name': { suffix: `?%74oken=${secret}`, headers: [] as string[] },
  'authorization header': { suffix: '', headers: [`Authorization: Bearer ${secret}`] },
  'websocket sub-protocol': { suffix: '', headers: [`Sec-WebSocket-Protocol: bearer.${secret}`] },
});

describe('one error shape for every status, and no secret echoed', () => {
  let f: TestFabrica;
  let port: number;
  const UNKNOWN = 'fab_unknown_secret_value_9f8e7d6c5b4a';
  before(async () => {
    f = await startTestFabrica('sqlite', { FABRICA_BODY_LIMIT: '2048' });
    port = Number(new URL(await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' })).port);
  });
  after(() => f.close());

  /**
   * Probes whose route exists are authorized before their body is read: there an unknown secret gets 401
   * (and that answer must not echo it either).
   */
  const probes: {
    name: string;
    status: number;
    code: string;
    llm: boolean;
    authFirst?: boolean;
    request: (p: any) => string;
  }[] = [
    {
      name: 'bad URL',
      status: 400,
      code: 'invalid_url',
      llm: false,
      request: (p) => get(`/cells/%ZZ${p.suffix}`, p.headers),
    },
    {
      name: 'bad URL under /llm',
      status: 400,
      code: 'invalid_url',
      llm: true,
      request: (p) => get(`/llm/factory/runs/%ZZ${p.suffix}`, p.headers),
    },
    {
      name: 'path parameter too long',
      status: 414,
      code: 'uri_too_long',
      llm: true,
      request: (p) => get(`/llm/factory/runs/${'a'.repeat(3000)}${p.suffix}`, p.headers),
    },
    {
      name: 'no route',
      status: 404,
      code: 'not_found',
      llm: false,
      request: (p) => get(`/nope${p.suffix}`, p.headers),
    },
    {
      name: 'method not allowed',
      status: 405,
      code: 'method_not_allowed',
      llm: false,
      request: (p) => get(`/healthz${p.suffix}`, p.headers, 'PATCH'),
    },
    {
      name: 'body too large',
      authFirst: true,
      status: 413,
      code: 'payload_too_large',
      llm: false,
      request: (p) =>
        get(`/tokens${p.suffix}`, [...p.headers, 'content-type: application/json'], 'POST', 'x'.repeat(5000)),
    },
    {
      name: 'unsupported media type',
      authFirst: true,
      status: 415,
      code: 'unsupported_media_type',
      llm: true,
      request: (p) =>
        get(`/llm/factory/runs${p.suffix}`, [...p.headers, 'content-type: text/xml'], 'POST', '<a/>'),
    },
    {
      name: 'headers too large',
      status: 431,
      code: 'headers_too_large',
      llm: false,
      request: (p) => get(`/healthz${p.suffix}`, [...p.headers, `X-Big: ${'b'.repeat(70_000)}`]),
    },
    {
      name: 'invalid JSON',
      authFirst: true,
      status: 400,
      code: 'invalid_json',
      llm: false,
      request: (p) =>
        get(`/tokens${p.suffix}`, [...p.headers, 'content-type: application/json'], 'POST', '{x'),
    },
    {
      name: 'not HTTP at all',
      status: 400,
      code: 'bad_request',
      llm: false,
      request: (p) =>
        `GET /healthz${p.suffix} HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n${p.headers.join('\r\n')}\r\n\r\n`,
    },
  ];

  for (const probe of probes) {
    it(`${probe.name}: ${probe.status} ${probe.code}, in the family's shape, with no secret in it`, async () => {
      for (const secret of [ADMIN, UNKNOWN]) {
        for (const [where, p] of Object.entries(placements(secret))) {
          const r = await rawRequest(port, probe.request(p));
          const ctx = `${probe.name}, secret in ${where}: ${r.raw.slice(0, 400)}`;
          const refused = probe.authFirst === true && secret === UNKNOWN;
          assert.equal(r.status, refused ? 401 : probe.status, ctx);
          assert.ok(!r.raw.includes(secret), `the secret is echoed (${ctx})`);
          const body = JSON.parse(r.body);
          assert.ok(probe.code in ERROR_CODES, probe.code);
          assert.equal(body.code, refused ? 'unauthorized' : probe.code, ctx);
          assert.equal(typeof body.request_id, 'string', ctx);
          assert.equal(r.headers['x-request-id'], body.request_id, ctx);
          if (probe.llm) {
            assert.deepEqual(
              Object.keys(body).sort(),
              ['code', 'error', 'message', 'request_id', 'success'],
              ctx,
            );
            assert.equal(body.success, false);
          } else {
            assert.deepEqual(Object.keys(body).sort(), ['code', 'reason', 'request_id'], ctx);
            assert.ok(body.reason.length > 0);
          }
        }
      }
      for (const secret of [ADMIN, UNKNOWN]) {
        const leaked = f.logs.filter((l) => l.includes(secret));
        assert.deepEqual(leaked, [], 'a log line holds the secret');
      }
    });
  }

  it('405 names the methods the path has in Allow', async () => {
    const r = await rawRequest(port, get('/healthz', [], 'DELETE'));
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
  });
});

describe('HEAD on every GET route answers headers only', () => {
  let f: TestFabrica;
  let port: number;
  before(async () => {
    f = await startTestFabrica('sqlite');
    port = Number(new URL(await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' })).port);
  });
  after(() => f.close());

  it('answers HEAD /events (a stream) at once, with the stream’s headers and no body', async () => {
    const r = await rawRequest(port, get('/events?after=0', [`Authorization: Bearer ${ADMIN}`], 'HEAD'));
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'] ?? '', /^text\/event-stream/);
    assert.equal(r.body, '');
  });

  it('answers HEAD on every GET route of the API with headers only, or 405', async () => {
    const spec = (await f.request('GET', '/openapi.json')).body;
    const paths = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
      .filter(([, ops]) => 'get' in ops)
      .map(([p]) => p.replace(/\{[^}]+\}/g, 'x'));
    assert.ok(paths.length > 20, `only ${paths.length} GET routes`);
    for (const path of [...paths, '/docs', '/openapi.json']) {
      const r = await rawRequest(port, get(path, [`Authorization: Bearer ${ADMIN}`], 'HEAD'));
      assert.ok(r.status < 500 && (r.status !== 404 || path.includes('x')), `HEAD ${path} → ${r.status}`);
      assert.equal(r.body, '', `HEAD ${path} has a body`);
    }
  });
});
