import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { cli, startCliProcess } from './support/cli-process.js';
import { startServerProcess } from './support/server-process.js';
import { freshTarget } from './support/stores.js';

const HUMAN = /^(\d+) {2}\S+ {2}(\S+) {2}(\S+) {2}\S+$/;

describe('fabrica events tail', () => {
  it('says where it follows from, shows recent history first, filters by type and subject', async () => {
    const target = await freshTarget('sqlite');
    const server = await startServerProcess(target.env);
    const env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
    let tail: ReturnType<typeof startCliProcess> | null = null;
    try {
      const created: { id: string }[] = [];
      for (const tenant of ['t1', 't2', 't3', 't4']) {
        const r = await server.request('POST', '/tokens', { tenant, access: 'read' });
        assert.equal(r.status, 201);
        created.push(r.body);
      }
      // Other events between them, which the type filter must leave out.
      assert.equal((await server.request('POST', '/safe-mode', { on: true, reason: 'drill' })).status, 200);
      const tokenEvents = (await server.request('GET', '/audit?type=token.created&limit=1000')).body
        .events as {
        seq: number;
      }[];
      const head = (await server.request('GET', '/introspection/status')).body.event_log.head_seq as number;

      tail = startCliProcess(['events', 'tail', '--last', '3', '--type', 'token.created'], env);
      const first = await tail.waitForLines(4);
      const from = /^following events after seq (\d+) \(Ctrl-C to stop\)$/.exec(first[0]!);
      assert.ok(from !== null && Number(from[1]) >= head, first[0]);
      const history = first.slice(1, 4).map((l) => HUMAN.exec(l));
      assert.deepEqual(
        history.map((m) => Number(m?.[1])),
        tokenEvents.slice(-3).map((e) => e.seq),
        first.join('\n'),
      );
      assert.ok(history.every((m) => m?.[2] === 'token.created'));
      // Then what happens from now on, of that type only.
      await server.request('POST', '/safe-mode', { on: false, reason: 'drill over' });
      const next = await server.request('POST', '/tokens', { tenant: 't5', access: 'read' });
      const lines = await tail.waitForLines(5);
      assert.equal(HUMAN.exec(lines[4]!)?.[3], `token/${next.body.id}`, lines.join('\n'));
      await tail.stop();
      tail = null;

      // One subject: its history (the default ten covers it), then its next event.
      const victim = created[1]!.id;
      const one = startCliProcess(['events', 'tail', '--subject', `token/${victim}`, '--count', '1'], env);
      tail = one;
      const before = await one.waitForLines(2);
      assert.match(before[0]!, /^following events after seq \d+ \(Ctrl-C to stop\)$/);
      assert.equal(HUMAN.exec(before[1]!)?.[3], `token/${victim}`);
      assert.equal(HUMAN.exec(before[1]!)?.[2], 'token.created');
      assert.equal((await server.request('DELETE', `/tokens/${victim}`)).status, 200);
      assert.equal(await one.exited, 0, one.stderr());
      const all = one.lines();
      assert.equal(all.length, 3, all.join('\n'));
      assert.equal(HUMAN.exec(all[2]!)?.[2], 'token.revoked');
      tail = null;

      // --json: stdout stays JSON lines (the header goes to stderr) and no history unless asked for.
      const json = startCliProcess(
        ['events', 'tail', '--json', '--count', '1', '--type', 'token.created'],
        env,
      );
      tail = json;
      const jsonDeadline = Date.now() + 60_000;
      while (!json.stderr().includes('following events after seq')) {
        assert.ok(Date.now() < jsonDeadline, json.stderr());
        await new Promise((r) => setTimeout(r, 50));
      }
      const last = await server.request('POST', '/tokens', { tenant: 't6', access: 'read' });
      assert.equal(await json.exited, 0, json.stderr());
      const jsonLines = json.lines().map((l) => JSON.parse(l) as { subject_id: string });
      assert.deepEqual(
        jsonLines.map((e) => e.subject_id),
        [last.body.id],
      );
      tail = null;

      const bad = await cli(['events', 'tail', '--subject', '/x'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /--subject must be kind\/id or a kind, such as run\/run_1/);
    } finally {
      await tail?.stop();
      await server.kill();
      await target.cleanup();
    }
  });
});
