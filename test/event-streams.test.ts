import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';
import { openSse } from './support/sse.js';
import { STORE_KINDS } from './support/stores.js';

for (const { kind, skip } of STORE_KINDS) {
  describe(`event streams (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let base: string;
    const auth = { authorization: `Bearer ${ADMIN}` };
    const emit = (n: number, subjectId = 's1', size = 0, type = 'test.tick') =>
      f.fabrica.store.transaction(async (tx) => {
        for (let i = 0; i < n; i += 1) {
          await tx.appendEvent({
            type,
            subjectKind: 'test',
            subjectId,
            actor: 'test',
            data: { i, pad: 'x'.repeat(size) },
          });
        }
      });
    before(async () => {
      f = await startTestFabrica(kind, {
        FABRICA_HEARTBEAT_MS: '200',
        FABRICA_STREAM_BUFFER_BYTES: '4096',
        // The tests count seqs: no watchdog event may slip in when a busy machine stalls the loop.
        FABRICA_WATCHDOG_SOFT_MS: '60000',
        FABRICA_WATCHDOG_HARD_MS: '60000',
      });
      base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => f.close());

    it('streams new events over SSE in order, with heartbeats', async () => {
      const head = f.fabrica.hub.head;
      const c = openSse(`${base}/events?subject_kind=test`, auth);
      assert.equal(await c.status, 200);
      // The stream is subscribed once its opening comment arrived: events from then on are its.
      await c.waitFor((x) => x.comments.some((m) => m.startsWith('stream open')));
      await emit(5);
      await c.waitFor((x) => x.events().length === 5);
      assert.deepEqual(
        c.events().map((e) => e.seq),
        [head + 1, head + 2, head + 3, head + 4, head + 5],
      );
      assert.deepEqual(
        c.frames.filter((fr) => fr.id).map((fr) => fr.event),
        Array(5).fill('test.tick'),
      );
      c.close();
    });

    it('resumes after a disconnect with exactly the missed events (Last-Event-ID and ?after)', async () => {
      const c1 = openSse(`${base}/events?subject_kind=test&after=${f.fabrica.hub.head}`, auth);
      await c1.status;
      await emit(3, 'r');
      await c1.waitFor((x) => x.events().length === 3);
      const last = c1.events().at(-1)!.seq;
      c1.close();
      await emit(4, 'r');
      const c2 = openSse(`${base}/events?subject_kind=test`, { ...auth, 'last-event-id': String(last) });
      await c2.waitFor((x) => x.events().length === 4);
      assert.deepEqual(
        c2.events().map((e) => e.seq),
        [last + 1, last + 2, last + 3, last + 4],
      );
      const c3 = openSse(`${base}/events?subject_kind=test&after=${last + 2}`, auth);
      await c3.waitFor((x) => x.events().length === 2);
      assert.deepEqual(
        c3.events().map((e) => e.seq),
        [last + 3, last + 4],
      );
      await emit(1, 'r');
      await c2.waitFor((x) => x.events().length === 5);
      await c3.waitFor((x) => x.events().length === 3);
      c2.close();
      c3.close();
    });

    it('filters by subject id and type', async () => {
      const from = f.fabrica.hub.head;
      await emit(2, 'a');
      await emit(2, 'b');
      const c = openSse(`${base}/events?after=${from}&subject_kind=test&subject_id=b&type=test.tick`, auth);
      await c.waitFor((x) => x.events().length === 2);
      assert.ok(c.events().every((e) => e.subject_id === 'b'));
      c.close();
    });

    it('sends heartbeats while idle: comments that carry the log head, and no event', async () => {
      const headAtOpen = f.fabrica.hub.head;
      const c = openSse(`${base}/events?subject_kind=none`, auth);
      assert.equal(await c.status, 200);
      const beats = () => c.comments.filter((m) => m.startsWith('heartbeat'));
      await c.waitFor(() => beats().length >= 2);
      for (const b of beats()) {
        const m = /^heartbeat head=(\d+)$/.exec(b);
        assert.ok(m, b);
        assert.ok(Number(m[1]) >= headAtOpen && Number(m[1]) <= f.fabrica.hub.head, b);
      }
      assert.equal(c.frames.length, 0, 'a heartbeat is a comment, never an event');
      c.close();
    });

    it('filters live events by type among several types (one type, then a list)', async () => {
      const one = openSse(`${base}/events?subject_kind=test&type=test.tock`, auth);
      const two = openSse(`${base}/events?subject_kind=test&type=test.tock,test.tack`, auth);
      for (const c of [one, two]) {
        assert.equal(await c.status, 200);
        await c.waitFor((x) => x.comments.some((m) => m.startsWith('stream open')));
      }
      // Live: these are appended after both streams subscribed, so the hub filters them, not the store.
      for (let i = 0; i < 3; i += 1) {
        await emit(1, 'mixed', 0, 'test.tick');
        await emit(1, 'mixed', 0, 'test.tock');
        await emit(1, 'mixed', 0, 'test.tack');
      }
      await emit(1, 'last', 0, 'test.tock');
      await one.waitFor((x) => x.events().some((e) => e.subject_id === 'last'));
      await two.waitFor((x) => x.events().some((e) => e.subject_id === 'last'));
      assert.deepEqual(
        one.events().map((e) => e.type),
        Array(4).fill('test.tock'),
      );
      assert.deepEqual(
        two.events().map((e) => e.type),
        [...Array(3).fill(['test.tock', 'test.tack']).flat(), 'test.tock'],
      );
      one.close();
      two.close();
    });

    it('refuses a stream without a token', async () => {
      const c = openSse(`${base}/events`);
      assert.equal(await c.status, 401);
      c.close();
    });

    it('closes a slow consumer cleanly without stalling the others; it resumes without loss', async () => {
      const from = f.fabrica.hub.head;
      const fast = openSse(`${base}/events?subject_kind=test&after=${from}`, auth);
      const slow = openSse(`${base}/events?subject_kind=test&after=${from}`, auth);
      await Promise.all([fast.status, slow.status]);
      slow.pause();
      const subscribers = f.fabrica.hub.subscriberCount;
      // Produce until the server gives up on the paused client (kernel buffers absorb the first megabytes).
      let total = 0;
      while (f.fabrica.hub.subscriberCount === subscribers && total < 5000) {
        await emit(50, 'load', 4000);
        total += 50;
        await fast.waitFor((x) => x.events().length === total, 20_000);
      }
      assert.equal(f.fabrica.hub.subscriberCount, subscribers - 1, 'the slow consumer was dropped');
      slow.resume();
      await slow.ended;
      const close = slow.frames.find((fr) => fr.event === 'fabrica.close');
      assert.ok(close, 'the slow consumer was told why it was closed');
      const reason = JSON.parse(close.data!);
      assert.equal(reason.reason, 'slow_consumer');
      const got = slow.events().map((e) => e.seq);
      assert.ok(got.length < total, 'the slow consumer was cut off early');
      const resumed = openSse(`${base}/events?subject_kind=test&after=${got.at(-1) ?? from}`, auth);
      await resumed.waitFor((x) => x.events().length === total - got.length, 20_000);
      const all = [...got, ...resumed.events().map((e) => e.seq)];
      assert.deepEqual(
        all,
        fast.events().map((e) => e.seq),
      );
      fast.close();
      resumed.close();
    });

    it('streams to an HTTP/1.0 client unchunked, catch-up pages and live events alike', async () => {
      const from = f.fabrica.hub.head;
      await emit(1_200, 'h10'); // more than two catch-up pages
      const socket = connect(Number(new URL(base).port), '127.0.0.1');
      socket.write(
        `GET /events?subject_kind=test&subject_id=h10&after=${from} HTTP/1.0\r\nAuthorization: Bearer ${ADMIN}\r\n\r\n`,
      );
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (text += d));
      const ids = () => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      const until = async (n: number) => {
        const start = Date.now();
        while (ids().length < n && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 10));
      };
      await until(1_200);
      await emit(3, 'h10');
      await until(1_203);
      socket.destroy();
      const [head, body = ''] = text.split('\r\n\r\n', 2);
      assert.match(head!, /^HTTP\/1\.1 200/);
      assert.doesNotMatch(head!, /transfer-encoding/i);
      assert.deepEqual(
        ids(),
        Array.from({ length: 1_203 }, (_, i) => from + 1 + i),
      );
      // Nothing but SSE frames and comments in the body: no chunk sizes between them.
      for (const block of body.split('\n\n').filter((b) => b !== '')) {
        assert.match(block, /^(retry: |: |id: )/);
      }
    });

    it('frames multi-byte text right in HTTP/1.1 chunks, catch-up pages and live events alike', async () => {
      const from = f.fabrica.hub.head;
      const text = 'Нейра говорит — 🚀 ';
      const write = (n: number, first: number) =>
        f.fabrica.store.transaction(async (tx) => {
          for (let i = first; i < first + n; i += 1) {
            await tx.appendEvent({
              type: 'test.tick',
              subjectKind: 'test',
              subjectId: 'utf8',
              actor: 'test',
              data: { i, text: text.repeat(1 + (i % 7)) },
            });
          }
        });
      await write(1_100, 0); // catch-up: more than two pages, written as text
      const c = openSse(`${base}/events?subject_kind=test&subject_id=utf8&after=${from}`, auth);
      assert.equal(await c.status, 200);
      await c.waitFor((x) => x.events().length === 1_100);
      await write(5, 1_100); // live: the shared bytes
      await c.waitFor((x) => x.events().length === 1_105);
      const got = c.events();
      assert.deepEqual(
        got.map((e) => e.seq),
        Array.from({ length: 1_105 }, (_, i) => from + 1 + i),
      );
      for (const [i, e] of got.entries()) assert.equal(e.data.text, text.repeat(1 + (i % 7)), `event ${i}`);
      c.close();
    });

    it('streams over WebSocket with the token as query parameter, and resumes', async () => {
      const from = f.fabrica.hub.head;
      await emit(2, 'ws');
      const ws = new WebSocket(
        `${base.replace('http', 'ws')}/events?subject_kind=test&after=${from}&token=${ADMIN}`,
      );
      const msgs: any[] = [];
      ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
      await new Promise((r) => ws.once('open', r));
      await emit(1, 'ws');
      const start = Date.now();
      while (msgs.filter((m) => m.type === 'event').length < 3 && Date.now() - start < 10_000) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(msgs[0].type, 'hello');
      assert.deepEqual(
        msgs.filter((m) => m.type === 'event').map((m) => m.event.seq),
        [from + 1, from + 2, from + 3],
      );
      ws.close();
      const denied = new WebSocket(`${base.replace('http', 'ws')}/events`);
      const status = await new Promise<number>((r) =>
        denied.on('unexpected-response', (_q, res) => r(res.statusCode ?? 0)),
      );
      assert.equal(status, 401);
    });
  });
}
