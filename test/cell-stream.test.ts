import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';
import { connectWs, type WsClient } from './support/ws-client.js';

const enc = encodeURIComponent;

/** Without heartbeats: a snapshot first, then each event followed by a snapshot of the same seq. */
function assertShape(frames: readonly any[], cellId: string): void {
  const data = frames.filter((f) => f.type !== 'heartbeat');
  assert.equal(data[0]?.type, 'snapshot', 'a snapshot comes first');
  for (let i = 1; i < data.length; i += 2) {
    const [event, snapshot] = [data[i], data[i + 1]];
    assert.equal(event.type, 'event', JSON.stringify(event));
    assert.equal(snapshot?.type, 'snapshot', `event ${event.seq} is followed by a snapshot`);
    assert.equal(snapshot.seq, event.seq);
    assert.equal(snapshot.cell.id, cellId);
  }
}

/** Every event and snapshot has arrived when the last of them is a snapshot. */
const settled = (s: WsClient, events: number) =>
  s.events().length === events && s.frames.filter((f) => f.type !== 'heartbeat').at(-1)?.type === 'snapshot';

for (const { kind, skip } of STORE_KINDS) {
  describe(`cell stream over WebSocket (${kind})`, { skip }, () => {
    let f: TestFabrica;
    let base: string;
    let dir: string;
    const post = (url: string, body?: unknown) =>
      f.request(
        'POST',
        url,
        body === undefined ? { rawBody: '', headers: { 'content-type': 'application/json' } } : { body },
      );
    const fabricate = async (id: string, version = '1.0.0') => {
      const r = await post('/factory/cells', {
        backend: 'adapter',
        tpl: { id, version, analysis_type: 'echo', links: [], metadata: { schema: 'v1' } },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    };
    const command = async (id: string, what: string, query = '') => {
      const r = await post(`/factory/cells/${enc(id)}/${what}${query}`);
      assert.equal(r.status, 200, `${what} → ${JSON.stringify(r.body)}`);
    };
    const cellLog = async (from: number, id: string) =>
      (await f.fabrica.store.eventsAfter(from, 10_000, { subjectKind: 'cell', subjectId: id })).map(
        (e) => e.seq,
      );
    const streamPath = (id: string, prefix = '/factory/cells') => `${prefix}/${enc(id)}/stream`;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fabrica-stream-'));
      f = await startTestFabrica(kind, {
        CELL_TEMPLATES_DIR: dir,
        FABRICA_HEARTBEAT_MS: '200',
        FABRICA_STREAM_BUFFER_BYTES: '8192',
      });
      base = await f.fabrica.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(async () => {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('sends a snapshot, then each change of the cell followed by a fresh snapshot, in order', async () => {
      const id = await fabricate('stream.one.v1');
      const other = await fabricate('stream.other.v1');
      await f.fabrica.hub.settle();
      const from = f.fabrica.hub.head;
      const s = connectWs(base, streamPath(id));
      await s.waitFor('the snapshot', (x) => x.frames.length > 0);
      const [first] = s.frames;
      assert.equal(first.type, 'snapshot');
      assert.equal(first.seq, from);
      assert.deepEqual(
        first.cell,
        (await f.request('GET', `/factory/cells/${enc(id)}`)).body,
        'the GET view',
      );
      await command(id, 'approve');
      await command(other, 'approve');
      await command(id, 'disable');
      const log = await cellLog(from, id);
      assert.equal(log.length, 2);
      await s.waitFor('both events', (x) => settled(x, 2));
      assertShape(s.frames, id);
      const events = s.events();
      assert.deepEqual(
        events.map((e) => e.seq),
        log,
        'exactly the cell events, none of the other cell',
      );
      assert.deepEqual(
        events.map((e) => [e.event_type, e.data.action, e.data.after.state]),
        [
          ['cell.transition', 'cell.approve', 'canary'],
          ['cell.transition', 'cell.disable', 'disabled'],
        ],
      );
      const snapshots = s.frames.filter((x) => x.type === 'snapshot');
      assert.equal(snapshots.at(-1).cell.state, 'disabled');
      assert.deepEqual(snapshots.at(-1).cell, (await f.request('GET', `/factory/cells/${enc(id)}`)).body);
      await s.waitFor('a heartbeat', (x) => x.frames.some((y) => y.type === 'heartbeat'));
      s.ws.close();
    });

    it('resumes with after=<last seq>: exactly the missed events, then live ones', async () => {
      const id = await fabricate('stream.resume.v1');
      await f.fabrica.hub.settle();
      const from = f.fabrica.hub.head;
      const first = connectWs(base, streamPath(id));
      await first.waitFor('the snapshot', (x) => x.frames.length > 0);
      assert.equal(first.frames[0].seq, from);
      await command(id, 'approve');
      await command(id, 'approve');
      await first.waitFor('two events', (x) => settled(x, 2));
      const last = first.events().at(-1).seq as number;
      first.ws.close();
      await first.closed;
      await command(id, 'approve');
      await command(id, 'disable');
      const resumed = connectWs(base, streamPath(id), `after=${last}`);
      await resumed.waitFor('the missed events', (x) => settled(x, 2));
      assert.equal(resumed.frames[0].type, 'snapshot');
      assert.equal(resumed.frames[0].seq, last);
      assert.equal(resumed.frames[0].cell.state, 'disabled', 'the snapshot is the cell as it is now');
      await fabricate('stream.resume.v1', '1.1.0');
      await resumed.waitFor('the live event', (x) => settled(x, 3));
      assertShape(resumed.frames, id);
      const seen = [...first.events(), ...resumed.events()].map((e) => e.seq);
      assert.deepEqual(seen, await cellLog(from, id), 'no gap, no duplicate');
      assert.deepEqual(
        resumed.events().map((e) => e.event_type),
        ['cell.transition', 'cell.transition', 'cell.revision_created'],
      );
      assert.equal(resumed.frames.at(-1).cell.revisions.length, 2);
      resumed.ws.close();
    });

    it('streams a quarantine after the catalog file of the cell was tampered with', async () => {
      const tpl = {
        id: 'stream.catalog.v1',
        version: '1.0.0',
        analysis_type: 'echo',
        links: [],
        metadata: { schema: 'v1' },
      };
      const path = join(dir, 'stream.catalog.json');
      writeFileSync(path, JSON.stringify(tpl));
      const deadline = Date.now() + 5000;
      while ((await f.request('GET', '/cells/stream.catalog.v1')).status !== 200) {
        assert.ok(Date.now() < deadline, 'the catalog registers the file');
        await new Promise((r) => setTimeout(r, 20));
      }
      const id = await fabricate('stream.catalog.v1');
      await f.fabrica.hub.settle();
      const s = connectWs(base, streamPath(id));
      await s.waitFor('the snapshot', (x) => x.frames.length > 0);
      assert.equal(s.frames[0].cell.quarantine, null);
      writeFileSync(path, JSON.stringify({ ...tpl, metadata: { schema: 'v1', note: 'tampered' } }));
      await s.waitFor('the quarantine', (x) => settled(x, 1), 5000);
      assertShape(s.frames, id);
      const [event] = s.events();
      assert.equal(event.event_type, 'immune.quarantine');
      assert.equal(event.data.path, path);
      const snapshot = s.frames.filter((x) => x.type === 'snapshot').at(-1);
      assert.match(snapshot.cell.quarantine.reason, /integrity violation/);
      assert.equal(snapshot.cell.serving, false);
      s.ws.close();
    });

    it('closes with 4404 for an unknown cell, refuses non-admin tokens, and answers plain GET with 400', async () => {
      const unknown = connectWs(base, streamPath('adapter:nope'));
      const closed = await unknown.closed;
      assert.equal(closed.code, 4404);
      assert.equal(closed.reason, 'no cell adapter:nope');
      assert.deepEqual(unknown.frames, [
        { type: 'error', code: 'not_found', message: 'no cell adapter:nope' },
      ]);
      const id = await fabricate('stream.auth.v1');
      const tenant = (await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'root' } })).body
        .token;
      assert.equal(await connectWs(base, streamPath(id), '', tenant).refused, 403);
      assert.equal(await connectWs(base, streamPath(id), '', null).refused, 401);
      const plain = await f.request('GET', streamPath(id));
      assert.equal(plain.status, 400);
      assert.equal(plain.body.code, 'invalid_request');
    });

    it('serves the alias /factory/nodes/:id/stream', async () => {
      const id = await fabricate('stream.alias.v1');
      await f.fabrica.hub.settle();
      const s = connectWs(base, streamPath(id, '/factory/nodes'));
      await s.waitFor('the snapshot', (x) => x.frames.length > 0);
      assert.equal(s.frames[0].cell.id, id);
      await command(id, 'approve');
      await s.waitFor('the event', (x) => settled(x, 1));
      s.ws.close();
    });

    it('closes a slow consumer with 4008 and a resume point it resumes from without loss', async () => {
      const id = await fabricate('stream.slow.v1');
      await f.fabrica.hub.settle();
      const from = f.fabrica.hub.head;
      const emit = (n: number) =>
        f.fabrica.store.transaction(async (tx) => {
          for (let i = 0; i < n; i += 1) {
            await tx.appendEvent({
              type: 'test.load',
              subjectKind: 'cell',
              subjectId: id,
              actor: 'test',
              data: { pad: 'x'.repeat(2000) },
            });
          }
        });
      const fast = connectWs(base, streamPath(id), `after=${from}`);
      const slow = connectWs(base, streamPath(id), `after=${from}`);
      await fast.waitFor('the snapshot', (x) => x.frames.length > 0);
      await slow.waitFor('the snapshot', (x) => x.frames.length > 0);
      slow.ws.pause();
      const subscribers = f.fabrica.hub.subscriberCount;
      let total = 0;
      while (f.fabrica.hub.subscriberCount === subscribers && total < 2000) {
        await emit(20);
        total += 20;
        await fast.waitFor('the batch', (x) => settled(x, total), 30_000);
      }
      assert.equal(f.fabrica.hub.subscriberCount, subscribers - 1, 'the slow consumer was dropped');
      slow.ws.resume();
      const closed = await slow.closed;
      assert.equal(closed.code, 4008);
      const end = slow.frames.find((x) => x.type === 'close');
      assert.equal(end.reason, 'slow_consumer');
      const got = slow.events().map((e) => e.seq);
      assert.ok(got.length < total, 'cut off early');
      assert.equal(end.resume_after, got.at(-1) ?? from);
      const resumed = connectWs(base, streamPath(id), `after=${end.resume_after}`);
      await resumed.waitFor('the rest', (x) => settled(x, total - got.length), 30_000);
      assert.deepEqual(
        [...got, ...resumed.events().map((e) => e.seq)],
        fast.events().map((e) => e.seq),
      );
      fast.ws.close();
      resumed.ws.close();
    });
  });
}
