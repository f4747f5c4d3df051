import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ADMIN, startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

const graph = {
  stages: [
    {
      key: 'build',
      name: 'Build',
      depends_on: [],
      issues: [
        { key: 'api', title: 'Write the API', kind: 'code', depends_on: [] },
        { key: 'docs', title: 'Document it', kind: 'docs', depends_on: ['api'] },
      ],
    },
    {
      key: 'ship',
      name: 'Ship',
      depends_on: ['build'],
      issues: [{ key: 'release', title: 'Release', kind: 'ops', depends_on: ['docs'] }],
    },
  ],
};

interface Live {
  readonly ws: WebSocket;
  readonly frames: any[];
  /** Close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** HTTP status when the upgrade was refused. */
  readonly refused: Promise<number>;
  events(): any[];
  snapshots(): any[];
  waitFor(predicate: (l: Live) => boolean, timeoutMs?: number): Promise<void>;
}

function openLive(base: string, query: string, auth: { token?: string; protocol?: string } = {}): Live {
  const q = auth.token === undefined ? query : `${query}${query === '' ? '' : '&'}token=${auth.token}`;
  const url = `${base.replace('http', 'ws')}/llm/live${q === '' ? '' : `?${q}`}`;
  const ws =
    auth.protocol === undefined ? new WebSocket(url) : new WebSocket(url, [`bearer.${auth.protocol}`]);
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
  const refused = new Promise<number>((r) =>
    ws.on('unexpected-response', (_q, res) => r(res.statusCode ?? 0)),
  );
  const live: Live = {
    ws,
    frames,
    closed,
    refused,
    events: () => frames.filter((f) => f.type === 'factory.event'),
    snapshots: () => frames.filter((f) => f.type === 'factory.snapshot'),
    async waitFor(predicate, timeoutMs = 15_000) {
      const start = Date.now();
      while (!predicate(live)) {
        if (Date.now() - start > timeoutMs) {
          throw new Error(`timed out; frames so far: ${JSON.stringify(frames.map((f) => [f.type, f.seq]))}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  return live;
}

/**
 * The ordering contract: seqs increase; every event is followed by its snapshot, or first by more
 * events of the same run (coalescing), and a snapshot carries the seq and run of the event before it.
 */
function assertOrdered(frames: readonly any[]): void {
  let pending: any = null;
  let lastSeq = 0;
  const hello = frames.find((f) => f.type === 'hello');
  // A one-run stream starts with that run's snapshot, right after hello, at the resume point.
  const [first, second] = frames.filter((f) => f.type !== 'heartbeat');
  if (hello?.run_id != null) {
    assert.equal(first, hello);
    assert.equal(second?.type, 'factory.snapshot', 'a one-run stream sends its snapshot on connecting');
    assert.equal(second.seq, hello.after);
    assert.equal(second.run_id, hello.run_id);
  }
  for (const f of frames) {
    if (f === second && hello?.run_id != null) continue;
    if (f.type === 'factory.event') {
      assert.ok(f.seq > lastSeq, `seq ${f.seq} after ${lastSeq}`);
      lastSeq = f.seq;
      if (pending !== null) assert.equal(f.run_id, pending.run_id, `event ${f.seq} overtook a snapshot`);
      pending = f;
    } else if (f.type === 'factory.snapshot') {
      assert.ok(pending !== null, `snapshot ${f.seq} without an event before it`);
      assert.equal(f.seq, pending.seq);
      assert.equal(f.run_id, pending.run_id);
      assert.equal(f.data.run_id, f.run_id);
      pending = null;
    }
  }
  assert.equal(pending, null, 'the last event has its snapshot');
}

const settled = (l: Live) => {
  const last = l.frames.filter((f) => f.type === 'factory.event' || f.type === 'factory.snapshot').at(-1);
  return last?.type === 'factory.snapshot';
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`live run events over WebSocket (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let base: string;
    const runs = '/llm/factory/runs';
    const data = async (method: string, url: string, body?: unknown) => {
      const r = await f.request(method, url, body === undefined ? {} : { body });
      assert.ok([200, 201].includes(r.status), `${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.data;
    };
    const newRun = async (tenant?: string) =>
      (
        await data('POST', runs, {
          source: { kind: 'prompt', content: 'Ship the API' },
          ...(tenant === undefined ? {} : { tenant }),
        })
      ).id as string;
    const logOf = async (from: number, runId?: string) =>
      (
        await f.fabrica.store.eventsAfter(from, 10_000, {
          subjectKind: 'run',
          ...(runId === undefined ? {} : { subjectId: runId }),
        })
      ).map((e) => e.seq);
    const plan = async (id: string) => {
      await data('POST', `${runs}/${id}/artifacts`, {
        artifact_type: 'problem_interpretation',
        payload: { summary: 'an API' },
      });
      await data('POST', `${runs}/${id}/artifacts`, {
        artifact_type: 'delivery_spec',
        payload: { summary: 'a documented API' },
      });
      await data('POST', `${runs}/${id}/artifacts`, {
        artifact_type: 'factory.kernel.stage_graph',
        payload: graph,
      });
      assert.equal((await data('POST', `${runs}/${id}/advance`)).status, 'implementing');
    };

    /** Appends `n` run events in one transaction, taking the runs in turn. */
    const emitRunEvents = (ids: readonly string[], n: number, padBytes = 0) =>
      f.fabrica.store.transaction(async (tx) => {
        for (let i = 0; i < n; i += 1) {
          const runId = ids[i % ids.length]!;
          await tx.appendEvent({
            type: 'test.load',
            subjectKind: 'run',
            subjectId: runId,
            tenant: 'default',
            actor: 'test',
            data: {
              event_type: 'test.load',
              run_id: runId,
              target_kind: 'run',
              target_id: runId,
              context: { i, pad: 'x'.repeat(padBytes) },
            },
          });
        }
      });

    before(async () => {
      f = await startTestFabrica(kind, { FABRICA_HEARTBEAT_MS: '200', FABRICA_STREAM_BUFFER_BYTES: '4096' });
      base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(() => f.close());

    it('sends each run event, then the status snapshot, in order; one run or all runs', async () => {
      const from = f.fabrica.hub.head;
      const all = openLive(base, '', { token: ADMIN });
      await all.waitFor((l) => l.frames.some((x) => x.type === 'hello'));
      assert.deepEqual({ ...all.frames[0], head: 0 }, { type: 'hello', after: from, head: 0, run_id: null });
      const id = await newRun();
      await plan(id);
      const log = await logOf(from);
      await all.waitFor((l) => l.events().length === log.length && settled(l));
      assert.deepEqual(
        all.events().map((e) => e.seq),
        log,
      );
      assertOrdered(all.frames);
      const [created] = all.events();
      assert.deepEqual(created, {
        type: 'factory.event',
        seq: log[0],
        ts: created.ts,
        event_type: 'run.created',
        run_id: id,
        target_kind: 'run',
        target_id: id,
        context: { status: 'planning', title: null },
      });
      assert.match(created.ts, /^\d{4}-\d\d-\d\dT/);
      const issue = all.events().find((e) => e.target_kind === 'issue');
      assert.ok(issue.stage_id && issue.issue_id === issue.target_id, 'issue events name stage and issue');
      assert.ok(all.events().some((e) => e.event_type === 'stage_graph.materialized'));
      const last = all.snapshots().at(-1);
      assert.equal(last.seq, log.at(-1));
      assert.equal(last.data.status, 'implementing');
      assert.equal(last.data.stage_counts.ready, 1);
      assert.deepEqual(last.data.waiting_on, ['stage build is ready', 'stage ship is pending']);
      assert.deepEqual(last.data.blockers, []);
      await all.waitFor((l) => l.frames.some((x) => x.type === 'heartbeat' && typeof x.head === 'number'));

      // One run, caught up from history (token as a sub-protocol); another run's events stay out.
      const other = await newRun();
      const one = openLive(base, `run_id=${id}&after=${from}`, { protocol: ADMIN });
      await data('POST', `${runs}/${id}/cancel`, { reason: 'enough' });
      const runLog = await logOf(from, id);
      await one.waitFor((l) => l.events().length === runLog.length && settled(l));
      assert.deepEqual(
        one.events().map((e) => e.seq),
        runLog,
      );
      assert.ok(!one.frames.some((x) => x.run_id === other));
      assertOrdered(one.frames);
      assert.equal(one.snapshots().at(-1).data.status, 'cancelled');
      assert.equal(one.frames[0].run_id, id);

      // Two runs' events interleaved in one transaction: each event gets its run's snapshot before the next.
      await all.waitFor(settled);
      const mark = all.frames.length;
      await emitRunEvents([id, other], 6);
      await all.waitFor(
        (l) => l.frames.slice(mark).filter((x) => x.type === 'factory.snapshot').length === 6,
      );
      const burst = all.frames.slice(mark).filter((x) => x.type !== 'heartbeat');
      assert.deepEqual(
        burst.map(
          (x) => `${x.type === 'factory.event' ? 'event' : 'snapshot'} ${x.run_id === id ? 'A' : 'B'}`,
        ),
        ['A', 'B', 'A', 'B', 'A', 'B'].flatMap((r) => [`event ${r}`, `snapshot ${r}`]),
      );
      assertOrdered(all.frames);
      all.ws.close();
      one.ws.close();
    });

    it('resumes from ?after with exactly the missed events, none twice', async () => {
      const id = await newRun();
      await plan(id);
      const issues = (await data('GET', `${runs}/${id}/issues`)) as any[];
      const api = issues.find((i) => i.stable_key === 'api');
      await f.fabrica.hub.settle();
      const first = openLive(base, `run_id=${id}&after=${f.fabrica.hub.head}`, { token: ADMIN });
      await first.waitFor((l) => l.frames[0]?.type === 'hello');
      await data('PATCH', `${runs}/${id}/issues/${api.id}`, { status: 'running' });
      await first.waitFor((l) => l.events().some((e) => e.event_type === 'issue.updated') && settled(l));
      const seen = first.events().map((e) => e.seq);
      first.ws.close();
      await first.closed;

      await data('PATCH', `${runs}/${id}/issues/${api.id}`, { status: 'passed' });
      await data('POST', `${runs}/${id}/cancel`, {});
      const lastSeen = seen.at(-1)!;
      const missed = await logOf(lastSeen, id);
      assert.ok(missed.length >= 3, 'the changes left several events');
      const again = openLive(base, `run_id=${id}&after=${lastSeen}`, { token: ADMIN });
      await again.waitFor((l) => l.events().length >= missed.length && settled(l));
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        again.events().map((e) => e.seq),
        missed,
      );
      assertOrdered(again.frames);
      assert.deepEqual([...seen, ...missed], await logOf(seen[0]! - 1, id));
      assert.equal(again.snapshots().at(-1).data.status, 'cancelled');
      again.ws.close();
    });

    it('starts a one-run stream with its snapshot; after beyond the head is closed 4400 with a reason', async () => {
      const id = await newRun();
      await plan(id);
      await f.fabrica.hub.settle();
      const head = f.fabrica.hub.head;
      const live = openLive(base, `run_id=${id}`, { token: ADMIN });
      await live.waitFor((l) => l.snapshots().length === 1);
      const [hello, snap] = live.frames;
      assert.equal(hello.type, 'hello');
      assert.deepEqual(snap, {
        type: 'factory.snapshot',
        seq: head,
        run_id: id,
        data: await data('GET', `${runs}/${id}/status`),
      });
      assert.equal(live.events().length, 0, 'nothing happened since connecting');
      live.ws.close();

      // Resuming from history still sends the snapshot first, then the events in order.
      const fromStart = openLive(base, `run_id=${id}&after=0`, { token: ADMIN });
      const log = await logOf(0, id);
      await fromStart.waitFor((l) => l.events().length === log.length && settled(l));
      assert.equal(fromStart.frames[1].type, 'factory.snapshot');
      assert.equal(fromStart.frames[1].seq, 0);
      assertOrdered(fromStart.frames);
      fromStart.ws.close();

      for (const query of [`run_id=${id}&after=${head + 1000}`, `after=${head + 1}`]) {
        const ahead = openLive(base, query, { token: ADMIN });
        const closed = await ahead.closed;
        assert.equal(closed.code, 4400, query);
        assert.match(closed.reason, new RegExp(`beyond the head of the event log \\(${head}\\)`));
        assert.deepEqual(
          ahead.frames.map((x) => [x.type, x.code]),
          [['error', 'invalid_request']],
        );
      }
      // The head itself is a valid resume point: nothing missed, nothing refused.
      const atHead = openLive(base, `after=${f.fabrica.hub.head}`, { token: ADMIN });
      await atHead.waitFor((l) => l.frames[0]?.type === 'hello');
      assert.equal(atHead.frames[0].after, f.fabrica.hub.head);
      atHead.ws.close();
    });

    it("keeps tenants apart: a tenant sees its runs only; another tenant's run is closed 4404", async () => {
      const created = await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'read' } });
      assert.equal(created.status, 201);
      const secret = created.body as { token: string };
      const from = f.fabrica.hub.head;
      const mine = openLive(base, `after=${from}`, { token: secret.token });
      await mine.waitFor((l) => l.frames[0]?.type === 'hello');
      const acme = await newRun('acme');
      const globex = await newRun('globex');
      await data('POST', `${runs}/${acme}/cancel`, {});
      const acmeLog = await logOf(from, acme);
      await mine.waitFor((l) => l.events().length === acmeLog.length && settled(l));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        mine.events().map((e) => e.seq),
        acmeLog,
      );
      assert.ok(mine.frames.some((x) => x.run_id === acme));
      assert.ok(mine.frames.every((x) => x.type === 'hello' || x.type === 'heartbeat' || x.run_id === acme));
      assertOrdered(mine.frames);
      mine.ws.close();

      const theirs = openLive(base, `run_id=${globex}`, { token: secret.token });
      const closed = await theirs.closed;
      assert.equal(closed.code, 4404);
      assert.equal(theirs.frames[0].type, 'error');
      assert.equal(theirs.frames[0].code, 'not_found');
      assert.equal(theirs.events().length, 0);
      const unknown = openLive(base, 'run_id=run_nope', { token: ADMIN });
      assert.equal((await unknown.closed).code, 4404);
      assert.match(unknown.frames[0].message, /no run run_nope/);

      const anonymous = openLive(base, `run_id=${acme}`);
      assert.equal(await anonymous.refused, 401);
      const wrong = openLive(base, '', { token: 'fab_not_a_token' });
      assert.equal(await wrong.refused, 401);
      const plain = await f.request('GET', '/llm/live');
      assert.equal(plain.status, 400);
      assert.equal(plain.body.success, false);
      assert.equal(plain.body.code, 'invalid_request');
    });

    it('closes a slow consumer cleanly (4008) and it resumes without loss; snapshots coalesce', async () => {
      const id = await newRun();
      await f.fabrica.hub.settle();
      const from = f.fabrica.hub.head;
      const emit = (n: number) => emitRunEvents([id], n, 4000);
      const fast = openLive(base, `run_id=${id}&after=${from}`, { token: ADMIN });
      const slow = openLive(base, `run_id=${id}&after=${from}`, { token: ADMIN });
      await fast.waitFor((l) => l.frames[0]?.type === 'hello');
      await slow.waitFor((l) => l.frames[0]?.type === 'hello');
      slow.ws.pause();
      const subscribers = f.fabrica.hub.subscriberCount;
      let total = 0;
      while (f.fabrica.hub.subscriberCount === subscribers && total < 5000) {
        await emit(50);
        total += 50;
        await fast.waitFor((l) => l.events().length === total && settled(l), 30_000);
      }
      assert.equal(f.fabrica.hub.subscriberCount, subscribers - 1, 'the slow consumer was dropped');
      assertOrdered(fast.frames);
      assert.ok(fast.snapshots().length < fast.events().length, 'a batch of one run gets fewer snapshots');
      slow.ws.resume();
      const closed = await slow.closed;
      assert.equal(closed.code, 4008);
      const end = slow.frames.find((x) => x.type === 'close');
      assert.equal(end.reason, 'slow_consumer');
      const got = slow.events().map((e) => e.seq);
      assert.ok(got.length < total, 'the slow consumer was cut off early');
      assert.equal(end.resume_after, got.at(-1) ?? from);
      const resumed = openLive(base, `run_id=${id}&after=${end.resume_after}`, { token: ADMIN });
      await resumed.waitFor((l) => l.events().length === total - got.length && settled(l), 30_000);
      assert.deepEqual(
        [...got, ...resumed.events().map((e) => e.seq)],
        fast.events().map((e) => e.seq),
      );
      fast.ws.close();
      resumed.ws.close();
    });
  });
}
