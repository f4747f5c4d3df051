import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { openSse } from './support/sse.js';
import { connectWs } from './support/ws-client.js';
import { freshTarget } from './support/stores.js';

/** The server's JSON log lines so far. */
const logLines = (server: ServerProcess): { msg?: string; [k: string]: any }[] =>
  server.stdout
    .join('')
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { msg?: string }];
      } catch {
        return [];
      }
    });

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A request whose body is only half sent: it is in flight, on the server, until `finish()`. Its
 * connection is kept alive afterwards as a browser or fetch would keep it, so a server that only waits
 * for its connections to close would wait for its shutdown timeout.
 */
function halfSentRequest(url: string, method: string, path: string, body: unknown) {
  const text = JSON.stringify(body);
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000, timeout: 120_000 });
  const u = new URL(url);
  const req = http.request({
    host: u.hostname,
    port: u.port,
    method,
    path,
    agent,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    },
  });
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.on('response', (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
    });
    req.on('error', reject);
  });
  req.write(text.slice(0, 5));
  return { response, finish: () => req.end(text.slice(5)), agent };
}

describe('graceful shutdown', () => {
  it('on SIGTERM finishes in-flight requests, ends streams with a reason, closes the store and exits 0', async () => {
    const target = await freshTarget('sqlite');
    try {
      // The default timeout (10 s) may be too short for twenty requests on a busy machine.
      const server = await startServerProcess({ ...target.env, FABRICA_SHUTDOWN_TIMEOUT_MS: '60000' });
      const stream = openSse(`${server.url}/events`, { authorization: `Bearer ${ADMIN}` });
      assert.equal(await stream.status, 200);
      const inFlight = Array.from({ length: 20 }, (_, i) =>
        server.request('PUT', '/capabilities/self_edit', { level: 'experimental', reason: `r${i}` }).then(
          (r) => r.status,
          () => 'refused',
        ),
      );
      await Promise.race(inFlight); // the server is busy with the rest when the signal lands
      server.child.kill('SIGTERM');
      const statuses = await Promise.all(inFlight);
      assert.ok(
        statuses.every((s) => s === 200 || s === 503 || s === 'refused'),
        JSON.stringify(statuses),
      );
      assert.ok(statuses.includes(200));
      assert.equal(await server.exited, 0);
      await stream.ended;
      const close = stream.frames.find((f) => f.event === 'fabrica.close');
      assert.equal(JSON.parse(close!.data!).reason, 'shutting_down');
      // Kept-alive connections of answered requests did not hold the exit until the timeout.
      assert.ok(logLines(server).some((l) => l.msg === 'requests drained'));

      // Everything acknowledged is there when the server comes back.
      const again = await startServerProcess(target.env);
      const audit = await again.request('GET', '/audit?type=capability.changed&limit=100');
      assert.equal(audit.body.events.length, statuses.filter((s) => s === 200).length);
      assert.equal((await again.request('GET', '/audit/verify')).body.ok, true);
      await again.kill('SIGTERM');
    } finally {
      await target.cleanup();
    }
  });
  it('drains a request in flight at SIGTERM, ends streams with shutting_down, and stops before its timeout', async () => {
    const target = await freshTarget('sqlite');
    try {
      // A close that waited for this timeout would say so in the log (and take far longer than the test).
      const server = await startServerProcess({ ...target.env, FABRICA_SHUTDOWN_TIMEOUT_MS: '60000' });
      const stream = openSse(`${server.url}/events`, { authorization: `Bearer ${ADMIN}` });
      assert.equal(await stream.status, 200);
      await stream.waitFor((c) => c.comments.some((m) => m.startsWith('stream open')));
      const ws = connectWs(server.url, '/events');
      await ws.waitFor('the hello frame', (c) => c.frames.some((fr) => fr.type === 'hello'));
      const slow = halfSentRequest(server.url, 'PUT', '/capabilities/self_edit', {
        level: 'experimental',
        reason: 'in flight at the signal',
      });
      await until('the request to reach the server', () =>
        logLines(server).some(
          (l) => l.msg === 'incoming request' && l.req?.url === '/capabilities/self_edit',
        ),
      );
      server.child.kill('SIGTERM');
      await until('the server to start shutting down', () =>
        logLines(server).some((l) => l.msg === 'shutting down: finishing in-flight requests'),
      );
      // The stream ends with its reason while the request is still being sent.
      await stream.ended;
      const close = stream.frames.find((fr) => fr.event === 'fabrica.close');
      assert.ok(close, 'the stream got a closing frame');
      assert.equal(JSON.parse(close.data!).reason, 'shutting_down');
      // A WebSocket stream: a last close frame, then close code 1001 (going away).
      const wsClosed = await ws.closed;
      assert.equal(wsClosed.code, 1001);
      assert.equal(wsClosed.reason, 'shutting_down');
      assert.deepEqual(
        { type: ws.frames.at(-1).type, reason: ws.frames.at(-1).reason },
        { type: 'close', reason: 'shutting_down' },
      );
      slow.finish();
      const answer = await slow.response;
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(await server.exited, 0);
      slow.agent.destroy();
      const lines = logLines(server);
      assert.ok(
        lines.some((l) => l.msg === 'requests drained'),
        'the app closed by itself, not at the shutdown timeout',
      );
      assert.ok(!lines.some((l) => l.msg?.startsWith('shutdown timeout')));
      assert.ok(lines.some((l) => l.msg === 'stopped'));

      // The request answered during the shutdown is durable.
      const again = await startServerProcess(target.env);
      const audit = await again.request('GET', '/audit?type=capability.changed&limit=100');
      assert.deepEqual(
        audit.body.events.map((e: { data: { reason: string } }) => e.data.reason),
        ['in flight at the signal'],
      );
      await again.kill('SIGTERM');
    } finally {
      await target.cleanup();
    }
  });
});
