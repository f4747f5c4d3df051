import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTerminal, latestOf, live } from '../../src/domain/runs/run-model.js';
import { newSupervision } from '../../src/domain/runs/supervisor.js';
import {
  checkpointPrompt,
  DEFAULT_ISSUE_TEMPLATE,
  fillTemplate,
  issuePrompt,
  planningPrompt,
  TEMPLATE_FIELDS,
  verificationPrompt,
} from '../../src/domain/runs/supervisor-prompts.js';
import { aggregate, artifact, issue, run, stage } from './run-fixtures.js';

const source = { kind: 'text', format: 'text', content: 'Add a dark mode.' } as const;
const agg = aggregate({
  run: { ...run('implementing'), source, supervision: newSupervision({ maxAttempts: 4 }) },
  issues: [
    issue('i1', null, 'ready', {
      stableKey: 'ui',
      title: 'Theme switch',
      kind: 'feature',
      acceptanceCriteria: ['a toggle', 'persists'],
      verificationRequirements: ['npm test'],
    }),
    issue('i2', null, 'passed', { stableKey: null, title: 'Old', supersededByArtifactId: 'x' }),
    issue('i3', null, 'running', { stableKey: null, title: 'Colours' }),
  ],
  artifacts: [
    artifact('a1', 'delivery_spec', { summary: 'dark' }),
    artifact('a2', 'verification_report', { success: true }),
    artifact('a3', 'notes', 'y'.repeat(3000)),
  ],
});

describe('fillTemplate', () => {
  it('replaces known placeholders, spaces allowed inside the braces, and keeps unknown ones', () => {
    assert.equal(fillTemplate('{{a}}-{{ b }}-{{c}}-{{A}}', { a: '1', b: '2' }), '1-2-{{c}}-{{A}}');
    assert.equal(fillTemplate('{{a}}{{a}}', { a: 'x' }), 'xx');
    assert.equal(fillTemplate('no placeholders', { a: 'x' }), 'no placeholders');
  });
  it('the default template uses every field a template may use', () => {
    for (const f of TEMPLATE_FIELDS) assert.ok(DEFAULT_ISSUE_TEMPLATE.includes(`{{${f}}}`), f);
  });
});

describe('issuePrompt', () => {
  it('fills the default template with the issue, the run and the earlier failures', () => {
    const text = issuePrompt(agg, agg.issues[0]!, 2, ['attempt 1 failed: no toggle']);
    assert.equal(
      text,
      [
        'You are working on issue ui of factory run run-1: Theme switch (feature).',
        '',
        'The request the run was started from:',
        'Add a dark mode.',
        '',
        'Acceptance criteria:',
        '- a toggle\n- persists',
        '',
        'Verification requirements:',
        '- npm test',
        '',
        "The run's artifacts so far:",
        `- delivery_spec v0: {"summary":"dark"}\n- notes v0: ${JSON.stringify('y'.repeat(3000)).slice(0, 2000)}`,
        '',
        'This is attempt 2 of 4.',
        'Earlier attempts failed; do not repeat their mistakes:\n- attempt 1 failed: no toggle',
        '',
        'Answer with JSON {"status": "passed"|"failed", "summary": "...", "notes": ["..."]} or plain text (passed).',
      ].join('\n'),
    );
  });

  it('says (none) for empty lists, nothing of earlier attempts on the first, and uses the issue id without a key', () => {
    const bare = aggregate({ run: { ...run(), source } });
    const text = issuePrompt(bare, issue('i9', null, 'ready', { stableKey: null }), 1, []);
    assert.match(text, /^You are working on issue i9 of factory run run-1: issue i9 \(task\)\./);
    assert.match(text, /Acceptance criteria:\n- \(none\)\n/);
    assert.match(text, /artifacts so far:\n- \(none\)\n/);
    assert.match(text, /This is attempt 1 of 3\.\n\n/);
    assert.doesNotMatch(text, /Earlier attempts/);
  });

  it('uses the run’s own template when it has one', () => {
    const own = aggregate({
      run: {
        ...run(),
        source,
        supervision: newSupervision({
          promptTemplate: '{{issue_key}}: {{title}} ({{attempt}}/{{max_attempts}}) {{nope}}',
        }),
      },
    });
    assert.equal(issuePrompt(own, agg.issues[0]!, 1, []), 'ui: Theme switch (1/3) {{nope}}');
  });
});

describe('the other prompts', () => {
  it('planning asks for one artifact of each planning type, with the earlier failures', () => {
    const text = planningPrompt(agg, 2, ['attempt 1 failed: no graph']);
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 6), [
      'Plan factory run run-1 (attempt 2).',
      '',
      'The request:',
      'Add a dark mode.',
      '',
      'Answer with JSON {"status": "passed", "summary": "...", "artifacts": [{"artifact_type": T, "payload": P}, ...]}',
    ]);
    assert.equal(lines[6], 'carrying one artifact of each of these types, with payloads of these shapes:');
    assert.equal(lines[0], 'Plan factory run run-1 (attempt 2).');
    assert.equal(lines[3], 'Add a dark mode.');
    for (const t of [
      'problem_interpretation',
      'delivery_spec',
      'factory.kernel.stage_graph',
      'verification_plan',
    ])
      assert.ok(
        lines.some((l) => l.startsWith(`- ${t}: {`)),
        t,
      );
    assert.ok(
      text.endsWith('Earlier attempts failed; do not repeat their mistakes:\n- attempt 1 failed: no graph'),
    );
    assert.ok(planningPrompt(agg, 1, []).endsWith('\n'), 'nothing after the shapes on a first attempt');
  });

  it('verification lists the live issues with their status', () => {
    assert.equal(
      verificationPrompt(agg, 3),
      [
        'Verify factory run run-1 (round 3).',
        '',
        'The request:',
        'Add a dark mode.',
        '',
        'Issues:',
        '- ui: Theme switch [ready]\n- i3: Colours [running]',
        '',
        'Answer {"status": "passed"|"failed", "summary": "...", "notes": [failing checks]}.',
      ].join('\n'),
    );
  });

  it('checkpoint asks for the branch, with the earlier failures', () => {
    const text = checkpointPrompt(agg, 2, ['attempt 1 failed: no branch']);
    assert.ok(
      text.startsWith(
        'Record the checkpoint of factory run run-1 (attempt 2): the branch holding its work.\n\nAnswer {',
      ),
    );
    assert.match(text, /"branch_name", "worktree_path", "base_ref", "head_sha"\?, "status": "ready"/);
    assert.ok(
      text.endsWith('\n- attempt 1 failed: no branch'),
      "text.endsWith('\\n- attempt 1 failed: no branch')",
    );
  });
});

describe('run model helpers', () => {
  it('a run is finished once completed, failed or cancelled', () => {
    assert.deepEqual(
      (
        ['planning', 'implementing', 'verifying', 'gated', 'completed', 'failed', 'cancelled'] as const
      ).filter(isTerminal),
      ['completed', 'failed', 'cancelled'],
    );
  });
  it('live drops what a newer stage graph removed', () => {
    assert.deepEqual(
      live([stage('s1'), stage('s2', 'pending', { supersededByArtifactId: 'a' })]).map((s) => s.id),
      ['s1'],
    );
  });
  it('latestOf finds the last artifact of the given types', () => {
    const as = [artifact('a1', 'x'), artifact('a2', 'y'), artifact('a3', 'x'), artifact('a4', 'z')];
    assert.equal(latestOf(as, ['x'])?.id, 'a3');
    assert.equal(latestOf(as, ['x', 'y'])?.id, 'a3');
    assert.equal(latestOf(as, ['y'])?.id, 'a2');
    assert.equal(latestOf(as, ['w']), undefined);
  });
});
