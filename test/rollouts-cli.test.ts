import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { enc, fromProcess, loadUntil, makeRevision, revisionOf } from './support/rollouts.js';
import { runCli, startServerProcess, type ServerProcess } from './support/server-process.js';
import { freshTarget } from './support/stores.js';

/** Resolves once `soFar` output matches: the watch has read the state and follows the stream. */
const printed = (re: RegExp) => {
  let hit!: () => void;
  const seen = new Promise<void>((r) => (hit = r));
  return { seen, onStdout: (soFar: string) => (re.test(soFar) ? hit() : undefined) };
};

describe('fabrica cells policy / analysis (CLI)', () => {
  let server: ServerProcess;
  let env: Record<string, string>;
  before(async () => {
    const target = await freshTarget('sqlite');
    server = await startServerProcess({
      ...target.env,
      FABRICA_CAPABILITIES: 'fault_injection=experimental',
      FABRICA_STATS_FLUSH_MS: '50',
      FABRICA_CANARY_PERCENT: '50',
    });
    env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
  });
  after(() => server.kill());

  it('shows the defaults, sets fields with --set, and refuses bad values naming the field', async () => {
    const id = await makeRevision(fromProcess(server), 'cli.policy.v1', '1.0.0', 0);
    const shown = await runCli(['cells', 'policy', id], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /defaults \(never set\)/);
    assert.match(shown.stdout, /^analysis\.min_calls\s+\d+$/m);
    assert.match(shown.stdout, /^shadow\.enabled\s+false$/m);

    const set = await runCli(
      ['cells', 'policy', id, '--set', 'hitl=false', '--set', 'analysis.min_calls=77', '--json'],
      env,
    );
    assert.equal(set.code, 0, set.stderr);
    const answer = JSON.parse(set.stdout);
    assert.equal(answer.version, 1);
    assert.equal(answer.policy.hitl, false);
    assert.equal(answer.policy.analysis.min_calls, 77);
    // The other fields kept their values (the defaults), as the server reads them.
    const read = await server.request('GET', `/factory/cells/${enc(id)}/policy`);
    assert.deepEqual(read.body.policy, answer.policy);

    const bad = await runCli(['cells', 'policy', id, '--set', 'analysis.min_calls=-5'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error invalid_policy: .*min_calls/m);
    const unknown = await runCli(['cells', 'policy', id, '--set', 'analysis.no_such_field=1'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /invalid_policy.*no_such_field/);
    const malformed = await runCli(['cells', 'policy', id, '--set', 'min_calls'], env);
    assert.notEqual(malformed.code, 0);
    assert.match(malformed.stderr, /--set takes key=value/);
    // Nothing of the refused changes was stored.
    assert.equal((await server.request('GET', `/factory/cells/${enc(id)}/policy`)).body.version, 1);
  });

  it('--watch follows a healthy canary to stable and exits 0; the list shows the verdicts', async () => {
    const f = fromProcess(server);
    const id = await makeRevision(f, 'cli.healthy.v1', '1.0.0', 3);
    await makeRevision(f, 'cli.healthy.v1', '1.1.0', 0);
    const policy = await runCli(
      [
        'cells',
        'policy',
        id,
        ...['--set', 'hitl=false', '--set', 'analysis.interval_ms=100', '--set', 'analysis.min_calls=20'],
        ...['--set', 'analysis.max_error_rate=0.3', '--set', 'analysis.max_error_rate_increase=0.2'],
        ...['--set', 'analysis.confidence=0.9', '--set', 'analysis.passes_to_promote=2'],
      ],
      env,
    );
    assert.equal(policy.code, 0, policy.stderr);

    const header = printed(/next evaluation/);
    const watch = runCli(['cells', 'analysis', id, '--version', '1.1.0', '--watch'], env, header);
    await header.seen;
    assert.equal(
      (await server.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, {})).status,
      200,
    );
    await loadUntil(f, id, async () => (await revisionOf(f, id, '1.1.0')).state === 'stable', 'stable');
    const w = await watch;
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /^draft → canary by admin/m);
    assert.match(w.stdout, /^#\d+ canary pass → promote \| canary \d+ calls/m);
    assert.match(w.stdout, /^canary → experimental by analysis/m);
    assert.match(w.stdout, /^experimental → stable by analysis/m);
    assert.match(w.stdout, /is stable \(by analysis\)$/m);

    const list = await runCli(['cells', 'analysis', id, '--version', '1.1.0', '--limit', '500'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /state stable/);
    const http = await server.request('GET', `/factory/cells/${enc(id)}/analysis?version=1.1.0&limit=500`);
    // One table row per verdict, with the seq of each.
    for (const v of http.body.verdicts)
      assert.match(list.stdout, new RegExp(`^${v.seq}\\s+\\w+\\s+${v.verdict}`, 'm'));
  });

  it('--watch exits 1 on a held failing canary; approve needs --force and a reason', async () => {
    const f = fromProcess(server);
    const id = await makeRevision(f, 'cli.held.v1', '1.0.0', 3);
    await makeRevision(f, 'cli.held.v1', '1.1.0', 0, { metadata: { fault: { error_rate: 0.6 } } });
    const policy = await runCli(
      ['cells', 'policy', id, '--set', 'analysis.on_fail=hold', '--set', 'analysis.interval_ms=100'],
      env,
    );
    assert.equal(policy.code, 0, policy.stderr);
    assert.equal(
      (await server.request('POST', `/factory/cells/${enc(id)}/approve?version=1.1.0`, {})).status,
      200,
    );

    const header = printed(/next evaluation/);
    const watch = runCli(['cells', 'analysis', id, '--watch'], env, header);
    await header.seen;
    await loadUntil(
      f,
      id,
      async () => (await server.request('GET', `/factory/cells/${enc(id)}/analysis`)).body.judge_failed,
      'a fail verdict',
    );
    const w = await watch;
    assert.equal(w.code, 1, w.stdout + w.stderr);
    assert.match(w.stdout, /^#\d+ canary fail → hold/m);
    assert.match(w.stdout, /held after a failing verdict .*--force --reason/);

    const refused = await runCli(['cells', 'approve', id, '--version', '1.1.0'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error analysis_failed: /m);
    const noReason = await runCli(['cells', 'approve', id, '--version', '1.1.0', '--force'], env);
    assert.equal(noReason.code, 1);
    assert.match(noReason.stderr, /^error invalid_request: .*reason/m);
    const wrong = await runCli(['cells', 'rollback', id, '--force'], env);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /--force applies to approve only/);
    assert.equal((await revisionOf(f, id, '1.1.0')).state, 'canary');
    const forced = await runCli(
      ['cells', 'approve', id, '--version', '1.1.0', '--force', '--reason', 'drill: injected errors'],
      env,
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /1\.1\.0 experimental/);
  });

  it('names an unknown cell or revision in one line', async () => {
    const r = await runCli(['cells', 'analysis', 'no.such.cell.v1'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error not_found: /m);
    const v = await runCli(['cells', 'analysis', 'no.such.cell.v1', '--watch'], env);
    assert.equal(v.code, 1);
    assert.match(v.stderr, /^error not_found: /m);
  });
});
