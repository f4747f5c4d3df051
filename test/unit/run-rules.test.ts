import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkArtifact } from '../../src/domain/runs/artifact-rules.js';
import { personBlockers } from '../../src/domain/runs/attention.js';
import { readRoomInput, ROOM_METADATA_MAX_BYTES } from '../../src/domain/runs/room-input.js';
import type { GateRecord, Supervision } from '../../src/domain/runs/run-model.js';
import { aggregate, artifact, issue, NOW, run, stage } from './run-fixtures.js';

const gate = (name: string, verdict: string): GateRecord => ({
  id: `${name}-${verdict}`,
  runId: 'run-1',
  gate: name,
  verdict,
  reasons: [],
  evidence: [],
  source: 'evaluated',
  createdAt: NOW,
  createdBy: 'admin',
});

const supervision = (stalled: string | null): Supervision => ({
  roomId: null,
  maxAttempts: 3,
  maxVerificationRounds: 3,
  promptTemplate: null,
  epoch: 0,
  failedRounds: 0,
  verifying: null,
  stalled,
  failure: null,
  failedAt: null,
});

describe('personBlockers', () => {
  it('lists a stall, blocked or failed live stages and issues, and gates whose latest verdict needs a person', () => {
    const agg = aggregate({
      run: { ...run('implementing'), supervision: supervision('no active room to dispatch to') },
      stages: [
        stage('s1', 'blocked'),
        stage('s2', 'running'),
        stage('s3', 'failed', { stableKey: null }),
        stage('s4', 'failed', { supersededByArtifactId: 'a2' }),
      ],
      issues: [
        issue('i1', 's1', 'failed'),
        issue('i2', 's1', 'passed'),
        issue('i3', null, 'blocked', { stableKey: 'key3' }),
      ],
      gates: [
        gate('review', 'fail'),
        gate('review', 'pass'),
        gate('tests', 'pass'),
        gate('tests', 'needs_review'),
        gate('lint', 'needs_further_review'),
        gate('build', 'failed'),
        gate('deploy', 'fail'),
      ],
    });
    assert.deepEqual(personBlockers(agg), [
      'no active room to dispatch to',
      'stage s1 is blocked',
      'stage s3 is failed',
      'issue i1 is failed',
      'issue key3 is blocked',
      'gate tests needs review: needs_review',
      'gate lint needs review: needs_further_review',
      'gate build needs review: failed',
      'gate deploy needs review: fail',
    ]);
  });

  it('a run without supervision or with nothing stuck has none', () => {
    assert.deepEqual(personBlockers(aggregate({ stages: [stage('s1', 'running')] })), []);
    assert.deepEqual(
      personBlockers(aggregate({ run: { ...run('implementing'), supervision: supervision(null) } })),
      [],
    );
  });

  it('a finished run has none, whatever its records say', () => {
    for (const status of ['completed', 'failed', 'cancelled'] as const)
      assert.deepEqual(
        personBlockers(
          aggregate({
            run: { ...run(status), supervision: supervision('stalled') },
            stages: [stage('s1', 'failed')],
            gates: [gate('g', 'fail')],
          }),
        ),
        [],
      );
  });
});

describe('readRoomInput', () => {
  it('reads fabrica’s shape, trimming the name and purpose', () => {
    assert.deepEqual(readRoomInput({ name: ' alpha ', purpose: ' review ', metadata: { team: 'x' } }), {
      ok: true,
      value: { name: 'alpha', purpose: 'review', metadata: { team: 'x' } },
    });
    assert.deepEqual(readRoomInput({}), { ok: true, value: { name: null, purpose: null, metadata: {} } });
  });

  it('takes the name from the metadata (the abbot client’s shape), the top-level name winning', () => {
    assert.deepEqual(readRoomInput({ metadata: { name: ' beta ' } }), {
      ok: true,
      value: { name: 'beta', purpose: null, metadata: { name: ' beta ' } },
    });
    const r = readRoomInput({ name: 'alpha', metadata: { name: 'beta' } });
    assert.ok(r.ok, 'r.ok');
    assert.equal(r.value.name, 'alpha');
  });

  const refusal = (body: Parameters<typeof readRoomInput>[0]) => {
    const r = readRoomInput(body);
    assert.ok(!r.ok, JSON.stringify(body));
    assert.equal(r.error.code, 'invalid_request');
    return [r.error.reason, r.error.details?.field];
  };

  it('refuses a blank name or purpose', () => {
    assert.deepEqual(refusal({ name: '  ' }), ['body.name must not be blank', 'body.name']);
    assert.deepEqual(refusal({ name: '' }), ['body.name must not be blank', 'body.name']);
    assert.deepEqual(refusal({ purpose: '\t' }), ['body.purpose must not be blank', 'body.purpose']);
  });

  it('refuses a metadata name that is not a non-blank string of at most 200 characters', () => {
    const why = 'body.metadata.name must be a non-blank string of at most 200 characters';
    for (const name of [3, null, ' ', 'x'.repeat(201)])
      assert.deepEqual(refusal({ metadata: { name } }), [why, 'body.metadata.name']);
    assert.ok(
      readRoomInput({ metadata: { name: 'x'.repeat(200) } }).ok,
      "readRoomInput({ metadata: { name: 'x'.repeat(200) } }).ok",
    );
  });

  it('refuses metadata larger than its limit, counted in UTF-8 bytes', () => {
    // {"n":"…"} is 8 bytes around the value.
    const fits = { n: 'x'.repeat(ROOM_METADATA_MAX_BYTES - 8) };
    assert.ok(readRoomInput({ metadata: fits }).ok, 'readRoomInput({ metadata: fits }).ok');
    assert.deepEqual(refusal({ metadata: { n: 'x'.repeat(ROOM_METADATA_MAX_BYTES - 7) } }), [
      'body.metadata is larger than 16384 bytes',
      'body.metadata',
    ]);
    // Two bytes a character: half as many characters exceed it.
    assert.equal(refusal({ metadata: { n: 'я'.repeat(ROOM_METADATA_MAX_BYTES / 2) } })[1], 'body.metadata');
  });
});

describe('checkArtifact', () => {
  const input = (
    artifactType: string,
    payload: unknown,
    over: { inputArtifactIds?: string[]; supersedesArtifactId?: string | null } = {},
  ) => ({
    artifactType,
    payload,
    inputArtifactIds: over.inputArtifactIds ?? [],
    supersedesArtifactId: over.supersedesArtifactId ?? null,
  });
  const mine = [artifact('a1', 'note'), artifact('a2', 'note')];
  const reason = (r: ReturnType<typeof checkArtifact>) => {
    assert.ok(!r.ok, '!r.ok');
    assert.equal(r.error.code, 'invalid_artifact');
    return r.error.reason;
  };

  it('accepts open types with any payload, and links to artifacts of the same run', () => {
    assert.deepEqual(checkArtifact(input('note', 'free text'), []), { ok: true, value: null });
    assert.ok(
      checkArtifact(input('note', null, { inputArtifactIds: ['a1'], supersedesArtifactId: 'a2' }), mine).ok,
    );
  });

  it('refuses links to artifacts of another run, naming them', () => {
    const r = checkArtifact(
      input('note', {}, { inputArtifactIds: ['a1', 'x1'], supersedesArtifactId: 'x2' }),
      mine,
    );
    assert.equal(reason(r), 'not artifacts of this run: x1, x2');
    assert.ok(!r.ok, '!r.ok');
    assert.deepEqual(r.error.details, { artifact_ids: ['x1', 'x2'] });
    assert.equal(
      reason(checkArtifact(input('note', {}, { supersedesArtifactId: 'x3' }), mine)),
      'not artifacts of this run: x3',
    );
  });

  it('checks a stage graph as a stage graph', () => {
    const graph = { stages: [{ key: 's', issues: [{ key: 'i', title: 'T' }] }] };
    for (const t of ['stage_graph', 'factory.kernel.stage_graph']) {
      assert.ok(checkArtifact(input(t, graph), []).ok, 'checkArtifact(input(t, graph), []).ok');
      const r = checkArtifact(input(t, { stages: [...graph.stages, ...graph.stages] }), []);
      assert.ok(!r.ok, '!r.ok');
      assert.equal(r.error.code, 'invalid_stage_graph');
    }
  });

  it('the object types need an object payload', () => {
    for (const t of [
      'problem_interpretation',
      'delivery_spec',
      'repository_context',
      'failure_report',
      'delivery_result',
      'factory.kernel.completion_result',
    ]) {
      assert.ok(checkArtifact(input(t, {}), []).ok, t);
      for (const p of [null, [], 'x', 1])
        assert.equal(reason(checkArtifact(input(t, p), [])), `payload of ${t} must be an object`);
    }
  });

  it('a verification plan is a non-empty list of argument vectors', () => {
    assert.ok(
      checkArtifact(
        input('verification_plan', { commands: [{ program: 'npm', args: ['test'] }, { program: 'make' }] }),
        [],
      ).ok,
    );
    const empty = 'payload of verification_plan must have a non-empty commands array';
    for (const p of [{}, { commands: [] }, { commands: 'npm test' }, null, ['x']])
      assert.equal(reason(checkArtifact(input('verification_plan', p), [])), empty);
    const bad = (i: number) =>
      `payload.commands[${i}] must be {program, args[]} (an argument vector, not a shell string)`;
    assert.equal(
      reason(checkArtifact(input('verification_plan', { commands: [{ program: 'a' }, null] }), [])),
      bad(1),
    );
    assert.equal(reason(checkArtifact(input('verification_plan', { commands: ['npm test'] }), [])), bad(0));
    assert.equal(reason(checkArtifact(input('verification_plan', { commands: [{ args: [] }] }), [])), bad(0));
    assert.equal(
      reason(checkArtifact(input('verification_plan', { commands: [{ program: 'a', args: 'x y' }] }), [])),
      bad(0),
    );
  });

  it('a verification report says whether it succeeded, as a boolean', () => {
    assert.ok(
      checkArtifact(input('verification_report', { success: false }), []).ok,
      "checkArtifact(input('verification_report', { success: false }), []).ok",
    );
    const why = 'payload of verification_report must have a boolean success';
    for (const p of [{}, { success: 'yes' }, null, [true]])
      assert.equal(reason(checkArtifact(input('verification_report', p), [])), why);
  });
});
