import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { freshTarget, pgSkip, STORE_KINDS } from './support/stores.js';
import { enc, loadUntil, makeRevision, pause, revisionOf } from './support/rollouts.js';

const ENV = {
  FABRICA_CAPABILITIES: 'fault_injection=experimental',
  FABRICA_STATS_FLUSH_MS: '50',
  FABRICA_CANARY_PERCENT: '50',
};

/** Polls the shadow report until `done` holds; the deadline only bounds a test that would hang. */
async function reportWhen(f: TestFabrica, id: string, done: (r: any) => boolean, what: string) {
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await f.request('GET', `/factory/cells/${enc(id)}/shadow`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (done(r.body)) return r.body;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(r.body)}`);
    await pause();
  }
}

for (const { kind, skip } of STORE_KINDS) {
  describe(`shadow traffic (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, ENV);
    });
    after(() => f.close());

    it('answers every caller from the stable revision while the report counts the differences', async () => {
      const id = await makeRevision(f, 'analysis.shadow.v1', '1.0.0', 3);
      await makeRevision(f, 'analysis.shadow.v1', '1.1.0', 0, { type: 'uppercase' }); // a draft
      const put = await f.request('PUT', `/factory/cells/${enc(id)}/policy`, {
        body: { shadow: { enabled: true } },
      });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body.policy.shadow, { enabled: true, percent: 100 });
      const inputs = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? `SAME${i}` : `diff ${i}`));
      for (const input of inputs) {
        const r = await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input } });
        assert.equal(r.status, 200);
        assert.equal(r.body.revision, '1.0.0');
        // The stable revision's answer, byte for byte: the shadow's upper-cased one never reaches the caller.
        assert.equal(JSON.stringify(r.body.output), JSON.stringify(input));
        assert.ok(r.text.includes(JSON.stringify(input)));
      }
      const report = await reportWhen(f, id, (b) => b.calls >= inputs.length, 'every mirrored call');
      const same = inputs.filter((i) => i === i.toUpperCase()).length;
      assert.equal(report.version, '1.1.0');
      assert.equal(report.state, 'draft');
      assert.equal(report.current, true);
      assert.equal(report.calls, inputs.length);
      assert.equal(report.equal, same);
      assert.equal(report.different, inputs.length - same);
      assert.equal(report.errors, 0);
      assert.equal(report.dropped, 0);
      assert.equal(typeof report.p95_ms, 'number');
      // The last 20 differences, newest first.
      assert.equal(report.samples.length, 20);
      // Ordered by when each mirrored call finished (they run several at once, so not by input).
      const ats = report.samples.map((x: any) => Date.parse(x.at));
      assert.deepEqual(
        ats,
        [...ats].sort((a, b) => b - a),
      );
      const last = report.samples.find((x: any) => x.input === JSON.stringify('diff 59'));
      assert.ok(last, 'the last difference is among the newest 20');
      assert.equal(last.stable_output, '"diff 59"');
      assert.equal(last.shadow_output, '"DIFF 59"');
      assert.match(last.diff, /\[-diff-\]\{\+DIFF\+\}/);
      // Mirrored calls are the shadow's own: the draft served no live traffic.
      const stats = await f.request('GET', `/factory/cells/${enc(id)}/stats?version=1.1.0`);
      assert.equal(stats.body.revisions[0].totals.calls, 0);
      // Another revision's report, and a revision that does not exist.
      const stable = await f.request('GET', `/factory/cells/${enc(id)}/shadow?version=1.0.0`);
      assert.equal(stable.body.calls, 0);
      assert.equal(stable.body.current, false);
      const missing = await f.request('GET', `/factory/cells/${enc(id)}/shadow?version=9.9.9`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 'not_found');
      // Disabled: nothing more is mirrored.
      await f.request('PUT', `/factory/cells/${enc(id)}/policy`, { body: { shadow: { enabled: false } } });
      for (let i = 0; i < 10; i++)
        await f.request('POST', `/factory/cells/${enc(id)}/invoke`, { body: { input: 'x' } });
      await pause(); // a mirrored call would have run by now (the queue runs from setImmediate)
      const shadowCalls = (await f.request('GET', '/metrics')).text
        .split('\n')
        .filter((l) => l.startsWith('factory_shadow_calls_total{'))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
      assert.equal(shadowCalls, inputs.length, 'no call mirrored once the shadow is off');
      const off = await f.request('GET', `/factory/cells/${enc(id)}/shadow?version=1.1.0`);
      assert.equal(off.body.calls, inputs.length);
      assert.equal(off.body.enabled, false);
    });

    it('fails a canary whose answers differ more often than max_shadow_diff_rate', async () => {
      const id = await makeRevision(f, 'analysis.shadowjudge.v1', '1.0.0', 3);
      await makeRevision(f, 'analysis.shadowjudge.v1', '1.1.0', 0, { type: 'uppercase' });
      const put = await f.request('PUT', `/factory/cells/${enc(id)}/policy`, {
        body: {
          analysis: { interval_ms: 100, min_calls: 20, confidence: 0.95, max_shadow_diff_rate: 0.1 },
          shadow: { enabled: true, percent: 100 },
        },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
      await loadUntil(
        f,
        id,
        async () => (await revisionOf(f, id, '1.1.0')).state === 'rolled_back',
        'the rollback on shadow differences',
      );
      const analysis = await f.request('GET', `/factory/cells/${enc(id)}/analysis?version=1.1.0`);
      const [latest] = analysis.body.verdicts;
      assert.equal(latest.verdict, 'fail');
      // The canary itself answered without errors: the shadow's differences alone failed it.
      assert.equal(latest.canary.errors, 0);
      assert.deepEqual(
        latest.reasons.map((r: string) => r.replace(/ in .*/, '')),
        ['shadow answers differ'],
      );
      assert.ok(latest.tests.shadow_diff_rate.lower > 0.1);
    });

    it('keeps a healthy shadowed canary: answers equal to the stable one pass', async () => {
      const id = await makeRevision(f, 'analysis.shadowok.v1', '1.0.0', 3);
      await makeRevision(f, 'analysis.shadowok.v1', '1.1.0', 0, { type: 'reverse' });
      await f.request('PUT', `/factory/cells/${enc(id)}/policy`, {
        body: {
          hitl: true,
          analysis: { interval_ms: 100, min_calls: 20, confidence: 0.95, max_shadow_diff_rate: 0.1 },
          shadow: { enabled: true },
        },
      });
      await f.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, { body: {} });
      // 'hi' reversed is 'ih': this one would differ; a palindrome does not. The load helper sends 'hi',
      // so the calls here go through the service with a palindrome.
      const until = Date.now() + 100_000;
      for (;;) {
        for (let i = 0; i < 50; i++) await f.fabrica.cellInvoker.invoke(id, 'level');
        await pause();
        const a = await f.request('GET', `/factory/cells/${enc(id)}/analysis?version=1.1.0`);
        if (a.body.awaiting_approval === true) break;
        assert.notEqual(a.body.verdicts[0]?.verdict, 'fail', JSON.stringify(a.body.verdicts[0]));
        if (Date.now() > until) throw new Error('gave up waiting for awaiting_approval');
      }
      assert.equal((await revisionOf(f, id, '1.1.0')).state, 'canary');
      const report = await f.request('GET', `/factory/cells/${enc(id)}/shadow`);
      assert.ok(report.body.calls > 0);
      assert.equal(report.body.different, 0);
    });

    it('drops mirrored calls beyond the queue’s cap and counts them, callers unaffected', async () => {
      const g = await startTestFabrica(kind, {
        ...ENV,
        FABRICA_SHADOW_QUEUE: '2',
        FABRICA_SHADOW_CONCURRENCY: '1',
      });
      try {
        const id = await makeRevision(g, 'analysis.shadowfull.v1', '1.0.0', 3);
        await makeRevision(g, 'analysis.shadowfull.v1', '1.1.0', 0, {
          metadata: { fault: { error_rate: 1, delay_ms: 50 } },
        });
        await g.request('PUT', `/factory/cells/${enc(id)}/policy`, { body: { shadow: { enabled: true } } });
        // Warm up until a call is answered from the loaded cell (on PostgreSQL the policy's event may
        // reach this instance after the first load and drop it once), each warm-up's mirror run.
        let warm = 0;
        for (;;) {
          const r = g.fabrica.cellInvoker.invoke(id, 'warm');
          warm += 1;
          const loaded = !(r instanceof Promise);
          assert.ok((await r).ok);
          await reportWhen(g, id, (b) => b.calls === warm, 'the warm-up mirrors');
          if (loaded) break;
        }
        // Thirty calls in one turn of the event loop: the shadow cannot start before they are all answered.
        const n = 30;
        const answers = Array.from({ length: n }, (_, i) => g.fabrica.cellInvoker.invoke(id, `call ${i}`));
        const late = answers.filter((r) => r instanceof Promise).length;
        for (const [i, a] of answers.entries()) {
          const r = a instanceof Promise ? await a : a;
          assert.ok(r.ok);
          assert.equal(r.value.output, `call ${i}`);
        }
        assert.equal(late, 0, 'every call answered at once');
        const report = await reportWhen(g, id, (b) => b.calls + b.dropped >= n + warm, 'runs and drops');
        assert.equal(report.calls + report.dropped, n + warm);
        // The warm-ups' mirrors and the two that fitted in the queue ran; every other was dropped.
        assert.equal(report.dropped, n - 2);
        assert.equal(report.calls, warm + 2);
        assert.equal(report.errors, report.calls, 'the shadow failed every call it ran');
        assert.match(report.samples[0].shadow_output, /^error: injected fault/);
        const metrics = await g.request('GET', '/metrics');
        assert.match(metrics.text, new RegExp(`^factory_shadow_dropped_total ${n - 2}$`, 'm'));
        assert.match(
          metrics.text,
          new RegExp(`^factory_shadow_calls_total\\{outcome="error"\\} ${warm + 2}$`, 'm'),
        );
      } finally {
        await g.close();
      }
    });
  });
}

describe('shadow reports add up over two instances on one PostgreSQL', { skip: pgSkip }, () => {
  it('counts every instance’s mirrored calls in one report', async () => {
    const target = await freshTarget('postgres');
    try {
      const a = await startTestFabrica('postgres', ENV, target);
      const b = await startTestFabrica('postgres', ENV, target);
      try {
        const id = await makeRevision(a, 'analysis.shadowtwo.v1', '1.0.0', 3);
        await makeRevision(a, 'analysis.shadowtwo.v1', '1.1.0', 0, { type: 'uppercase' });
        await a.request('PUT', `/factory/cells/${enc(id)}/policy`, { body: { shadow: { enabled: true } } });
        // b learns of the policy from the event log: call it until its calls are mirrored.
        const until = Date.now() + 60_000;
        let mirroredByB = 0;
        for (;;) {
          await b.fabrica.cellInvoker.invoke(id, 'probe');
          await pause();
          const shadow = (await b.request('GET', '/metrics')).text.match(
            /^factory_shadow_calls_total\{outcome="different"\} (\d+)$/m,
          );
          mirroredByB = Number(shadow?.[1] ?? 0);
          if (mirroredByB > 0) break;
          if (Date.now() > until) throw new Error('instance b never mirrored');
        }
        const different = async (f: TestFabrica) =>
          Number(
            (await f.request('GET', '/metrics')).text.match(
              /^factory_shadow_calls_total\{outcome="different"\} (\d+)$/m,
            )?.[1] ?? 0,
          );
        // a's differences first, all finished, then b's: b's are the newer ones.
        for (let i = 0; i < 20; i++) await a.fabrica.cellInvoker.invoke(id, `a ${i}`);
        while ((await different(a)) < 20) await pause();
        await pause();
        for (let i = 0; i < 10; i++) await b.fabrica.cellInvoker.invoke(id, `b ${i}`);
        // One report merges both instances' rows: b's ten, then a's newest ten.
        const merged = await reportWhen(
          a,
          id,
          (r) =>
            r.samples.filter((s: any) => s.input.startsWith('"b ')).length === 10 &&
            r.samples.filter((s: any) => s.input.startsWith('"a ')).length === 10,
          'both instances’ rows written',
        );
        const inputs = merged.samples.map((s: any) => JSON.parse(s.input));
        assert.equal(inputs.length, 20);
        assert.deepEqual(
          [...inputs.slice(0, 10)].sort(),
          Array.from({ length: 10 }, (_, i) => `b ${i}`).sort(),
        );
        assert.deepEqual(
          [...inputs.slice(10)].sort(),
          Array.from({ length: 10 }, (_, i) => `a ${i + 10}`).sort(),
        );
        // Every mirrored call is counted once, by the instance that ran it (its metric); a probe's mirrored
        // call may finish after the probe loop read b's count, so the count is read once all ran.
        const expected = (await different(a)) + (await different(b));
        assert.ok(expected >= 30 + mirroredByB, `${expected} mirrored calls`);
        const report = await reportWhen(a, id, (r) => r.calls >= expected, 'both instances’ rows');
        assert.equal(report.calls, expected);
        assert.equal(report.different, expected);
        const fromB = (await b.request('GET', `/factory/cells/${enc(id)}/shadow`)).body;
        assert.equal(fromB.calls, expected, 'the same report on either instance');
      } finally {
        await b.close();
        await a.close();
      }
    } finally {
      await target.cleanup();
    }
  });
});
