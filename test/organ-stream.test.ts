import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadExampleCells } from '../src/cli/examples-load.js';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';
import { connectWs, type WsClient } from './support/ws-client.js';

const example = (name: string) => JSON.parse(readFileSync(`examples/organs/${name}.json`, 'utf8'));
const PROGRESSION = ['draft', 'canary', 'experimental', 'stable'];

/** The states a client sees: the snapshot's, then each frame's. */
const states = (c: WsClient) => c.data().map((f) => f.state);
const lastState = (c: WsClient) => c.data().at(-1)?.state;

for (const { kind, skip } of STORE_KINDS) {
  describe(`organ stream over WebSocket (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let base: string;
    const streamPath = (id: string) => `/organs/${encodeURIComponent(id)}/stream`;
    const build = async (template: unknown) => {
      const r = await f.request('POST', '/organs/build', { body: { organ_template: template } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.state, 'draft');
      return r.body.organ_id as string;
    };
    const post = async (url: string, status = 200) => {
      const r = await f.request('POST', url, {
        rawBody: '',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(r.status, status, `${url} → ${JSON.stringify(r.body)}`);
      return r.body;
    };
    /** The organ's stage changes in the log after `from`: [seq, to]. */
    const stageLog = async (from: number, id: string) =>
      (
        await f.fabrica.store.eventsAfter(from, 10_000, {
          subjectKind: 'organ',
          subjectId: id,
          types: ['organ.stage_changed'],
        })
      ).map((e) => [e.seq, JSON.parse(e.data).to]);
    const head = async () => {
      await f.fabrica.hub.settle();
      return f.fabrica.hub.head;
    };

    before(async () => {
      f = await startTestFabrica(kind, {
        ORGANS_BUILDER_STAGE_DELAYS: '50,100,200',
        FABRICA_HEARTBEAT_MS: '200',
        FABRICA_STREAM_BUFFER_BYTES: '8192',
      });
      base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
      const loaded = await loadExampleCells({ url: base, token: ADMIN });
      assert.ok(
        loaded.every((c) => c.action === 'created' && c.state === 'stable'),
        JSON.stringify(loaded),
      );
    });
    after(() => f.close());

    it('sends the snapshot, then every stage change in order, to every subscriber', async () => {
      const from = await head();
      const id = await build(example('organ.voice.v1'));
      // Two subscribers from before the build, one from now on.
      const a = connectWs(base, streamPath(id), `after=${from}`);
      const b = connectWs(base, streamPath(id), `after=${from}`);
      const live = connectWs(base, streamPath(id));
      for (const c of [a, b, live]) await c.waitFor('stable', (x) => lastState(x) === 'stable', 10_000);
      const log = await stageLog(from, id);
      assert.deepEqual(
        log.map(([, to]) => to),
        ['canary', 'experimental', 'stable'],
      );
      for (const c of [a, b]) {
        const [snapshot, ...frames] = c.data();
        assert.deepEqual(snapshot, { type: 'snapshot', id, state: 'draft', seq: from });
        assert.deepEqual(states(c), PROGRESSION);
        assert.deepEqual(
          frames.map((x) => [x.seq, x.state]),
          log,
          'exactly the stage changes of the log, in order',
        );
        assert.deepEqual(
          frames.map((x) => [x.type, x.id, x.from, x.actor]),
          [
            ['stage_changed', id, 'draft', 'system'],
            ['stage_changed', id, 'canary', 'system'],
            ['stage_changed', id, 'experimental', 'system'],
          ],
        );
        assert.ok(frames.every((x) => typeof x.ts === 'string'));
      }
      // Connected after the build: its snapshot is the state as of its seq, then what came next.
      const [snapshot] = live.data();
      assert.equal(snapshot.type, 'snapshot');
      assert.ok(snapshot.seq >= from);
      const seen = states(live);
      assert.deepEqual(seen, PROGRESSION.slice(PROGRESSION.indexOf(seen[0])), seen.join(' → '));
      assert.deepEqual(
        live
          .data()
          .slice(1)
          .map((x) => x.seq),
        log.filter(([seq]) => seq > snapshot.seq).map(([seq]) => seq),
      );
      await a.waitFor('a heartbeat', (x) => x.frames.some((y) => y.type === 'heartbeat'));
      for (const c of [a, b, live]) c.ws.close();
    });

    it('resumes with after=<seq>: the state as of that seq, then exactly the changes after it', async () => {
      const from = await head();
      const id = await build(example('organ.voice.v1'));
      const first = connectWs(base, streamPath(id), `after=${from}`);
      // Frames may come together on a busy machine: cut at the canary frame, whatever came after it.
      await first.waitFor('canary', (x) => states(x).includes('canary'));
      const cut = first.data().find((x) => x.state === 'canary' && x.type !== 'snapshot').seq as number;
      first.ws.close();
      await first.closed;
      const deadline = Date.now() + 10_000;
      while ((await f.request('GET', `/organs/${id}/status`)).body.state !== 'stable') {
        assert.ok(Date.now() < deadline, 'the build reaches stable');
        await new Promise((r) => setTimeout(r, 20));
      }
      const resumed = connectWs(base, streamPath(id), `after=${cut}`);
      await resumed.waitFor('stable', (x) => lastState(x) === 'stable');
      assert.deepEqual(resumed.data()[0], { type: 'snapshot', id, state: 'canary', seq: cut });
      assert.deepEqual(states(resumed), ['canary', 'experimental', 'stable']);
      const seqs = [...first.data().filter((x) => x.seq <= cut), ...resumed.data()]
        .filter((x) => x.type !== 'snapshot')
        .map((x) => x.seq);
      assert.deepEqual(
        seqs,
        (await stageLog(from, id)).map(([seq]) => seq),
        'no gap, no duplicate',
      );
      // Once stable and nothing after it: the snapshot is the state now.
      const now = connectWs(base, streamPath(id));
      await now.waitFor('the snapshot', (x) => x.data().length > 0);
      assert.equal(now.data()[0].state, 'stable');
      assert.equal(now.data()[0].seq, await head());
      for (const c of [resumed, now]) c.ws.close();
    });

    it('streams failed (with the reason), a rebuild and a human approval', async () => {
      const from = await head();
      const id = await build(example('organ.reverse.v1'));
      const s = connectWs(base, streamPath(id), `after=${from}`);
      await s.waitFor('the snapshot', (x) => x.data().length > 0);
      const cancel = await f.request('DELETE', `/organs/${id}/build`);
      assert.equal(cancel.status, 204, JSON.stringify(cancel.body));
      await s.waitFor('failed', (x) => lastState(x) === 'failed');
      const failed = s.data().at(-1);
      assert.match(failed.reason, /cancel/);
      assert.equal(failed.actor, 'admin');
      await post(`/organs/${id}/rebuild`);
      // hitl: true stops at experimental until a human approves.
      await s.waitFor('experimental', (x) => lastState(x) === 'experimental');
      const status = (await f.request('GET', `/organs/${id}/status`)).body;
      assert.equal(status.awaiting_approval, true);
      await post(`/organs/${id}/approve`);
      await s.waitFor('stable', (x) => lastState(x) === 'stable');
      // The cancel may land before or after the stage timers (50 and 100 ms; later on a busy machine):
      // the build may have reached canary, or experimental, before it failed.
      const seen = states(s);
      const early = PROGRESSION.slice(1, seen.indexOf('failed'));
      assert.deepEqual(seen, ['draft', ...early, 'failed', 'draft', 'canary', 'experimental', 'stable']);
      assert.equal(s.data().at(-1).actor, 'admin');
      assert.deepEqual(
        s
          .data()
          .slice(1)
          .map((x) => [x.seq, x.state]),
        await stageLog(from, id),
      );
      s.ws.close();
    });

    it('closes with 4404 for an unknown organ; admin only; plain GET is 400', async () => {
      const unknown = connectWs(base, streamPath('organ-999'));
      const closed = await unknown.closed;
      assert.equal(closed.code, 4404);
      assert.equal(closed.reason, 'no organ organ-999');
      assert.deepEqual(unknown.frames, [{ type: 'error', code: 'not_found', message: 'no organ organ-999' }]);
      const id = await build(example('organ.echo.v1'));
      const tenant = (await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'root' } })).body
        .token;
      assert.equal(await connectWs(base, streamPath(id), '', tenant).refused, 403);
      assert.equal(await connectWs(base, streamPath(id), '', null).refused, 401);
      const plain = await f.request('GET', streamPath(id));
      assert.equal(plain.status, 400);
      assert.equal(plain.body.code, 'invalid_request');
    });

    it('closes a slow subscriber with 4008 and a resume point it resumes from without loss', async () => {
      const id = await build(example('organ.echo.v1'));
      const from = await head();
      // Stage changes as the log holds them, padded so that a paused client falls behind quickly.
      const emit = (n: number) =>
        f.fabrica.store.transaction(async (tx) => {
          for (let i = 0; i < n; i += 1) {
            await tx.appendEvent({
              type: 'organ.stage_changed',
              subjectKind: 'organ',
              subjectId: id,
              actor: 'test',
              data: { from: 'canary', to: 'canary', actor: 'test', reason: 'x'.repeat(2000) },
            });
          }
        });
      const fast = connectWs(base, streamPath(id), `after=${from}`);
      const slow = connectWs(base, streamPath(id), `after=${from}`);
      for (const c of [fast, slow]) await c.waitFor('the snapshot', (x) => x.data().length > 0);
      slow.ws.pause();
      const subscribers = f.fabrica.hub.subscriberCount;
      let total = 0;
      while (f.fabrica.hub.subscriberCount === subscribers && total < 2000) {
        await emit(20);
        total += 20;
        await fast.waitFor(
          'the batch',
          (x) => x.data().filter((y) => y.reason?.length === 2000).length === total,
        );
      }
      assert.ok(f.fabrica.hub.subscriberCount < subscribers, 'the slow subscriber was dropped');
      slow.ws.resume();
      const closed = await slow.closed;
      assert.equal(closed.code, 4008);
      const end = slow.frames.find((x) => x.type === 'close');
      assert.equal(end.reason, 'slow_consumer');
      const got = slow.data().filter((x) => x.type === 'stage_changed' && x.reason?.length === 2000);
      assert.ok(got.length < total, 'cut off early');
      assert.equal(end.resume_after, got.at(-1)?.seq ?? from);
      const resumed = connectWs(base, streamPath(id), `after=${end.resume_after}`);
      await resumed.waitFor(
        'the rest',
        (x) => x.data().filter((y) => y.reason?.length === 2000).length === total - got.length,
        30_000,
      );
      const fastPadded = fast.data().filter((y) => y.reason?.length === 2000);
      assert.deepEqual(
        [...got, ...resumed.data().filter((y) => y.reason?.length === 2000)].map((x) => x.seq),
        fastPadded.map((x) => x.seq),
      );
      for (const c of [fast, resumed]) c.ws.close();
    });
  });
}
