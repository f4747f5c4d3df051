#!/usr/bin/env node
// A deterministic worker for `fabrica worker --exec "node examples/workers/plan-worker.mjs"`: it needs
// no model. Planning turns the request's "- " lines into issues of one stage (each depending on the one
// before) and asks for a verification run of `node -e`; issue, verification and checkpoint work pass.
//
// EXAMPLE_FAIL_ISSUE=<key> makes that issue's work fail (exit code 1) while the file named by
// EXAMPLE_FAIL_UNLESS (if set) does not exist: the examples use it to show retries and `retry`.
import { existsSync, readFileSync } from 'node:fs';

const input = readFileSync(0, 'utf8');
const cut = input.lastIndexOf('\n--- fabrica assignment ---\n');
const prompt = cut < 0 ? input : input.slice(0, cut);
const assignment = cut < 0 ? {} : JSON.parse(input.slice(cut + '\n--- fabrica assignment ---\n'.length));
const kind = process.env.FABRICA_ASSIGNMENT_KIND ?? assignment.kind ?? 'issue';
const answer = (v) => process.stdout.write(`${JSON.stringify(v)}\n`);

if (kind === 'planning') {
  const request = prompt.split('The request:\n')[1]?.split('\n\nAnswer with JSON')[0] ?? prompt;
  const title = request.split('\n')[0].trim() || 'the request';
  const items = request
    .split('\n')
    .filter((l) => l.trim().startsWith('- '))
    .map((l) => l.trim().slice(2).trim());
  const work = items.length > 0 ? items : [title];
  const issues = work.map((t, i) => ({
    key: `i${i + 1}`,
    title: t,
    kind: 'task',
    depends_on: i === 0 ? [] : [`i${i}`],
    acceptance_criteria: [`${t} is done`],
    verification_requirements: [],
  }));
  answer({
    status: 'passed',
    summary: `planned ${issues.length} issue(s)`,
    artifacts: [
      { artifact_type: 'problem_interpretation', payload: { summary: title } },
      { artifact_type: 'delivery_spec', payload: { summary: `Deliver: ${work.join('; ')}` } },
      {
        artifact_type: 'factory.kernel.stage_graph',
        payload: { stages: [{ key: 'build', name: 'Build', depends_on: [], issues }] },
      },
      {
        artifact_type: 'verification_plan',
        payload: { commands: [{ program: 'node', args: ['-e', 'process.exit(0)'] }] },
      },
    ],
  });
} else if (kind === 'checkpoint') {
  answer({
    status: 'passed',
    summary: 'checkpoint recorded',
    checkpoint: {
      branch_name: `run/${assignment.run_id ?? 'x'}`,
      worktree_path: '.',
      base_ref: 'main',
      status: 'ready',
    },
  });
} else if (kind === 'verification') {
  answer({ status: 'passed', summary: 'verified by the example worker' });
} else {
  const key = /working on issue (\S+) of factory run/.exec(prompt)?.[1] ?? '?';
  const failing = process.env.EXAMPLE_FAIL_ISSUE;
  const unless = process.env.EXAMPLE_FAIL_UNLESS;
  if (failing === key && (unless === undefined || !existsSync(unless))) {
    process.stderr.write(`issue ${key}: failing on purpose\n`);
    process.exit(1);
  }
  process.stdout.write(`done: issue ${key}\n`);
}
