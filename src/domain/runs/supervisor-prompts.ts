import { live, type Issue, type RunAggregate } from './run-model.js';

/**
 * The prompts the supervisor puts in assignments (docs/llm-factory.md, "Supervised runs"). A worker
 * also gets the assignment's JSON, so a prompt is written for a model or a person, not for parsing.
 */

/** The shapes of the planning artifacts a planning worker returns in its result's `artifacts`. */
export const PLANNING_SCHEMAS: Readonly<Record<string, string>> = {
  problem_interpretation: '{summary: string, ...}',
  delivery_spec: '{summary: string, ...}',
  'factory.kernel.stage_graph':
    '{stages: [{key, name, depends_on: [stage keys], issues: [{key, title, kind, depends_on: [issue keys], acceptance_criteria: [string], verification_requirements: [string]}]}]}',
  verification_plan:
    '{commands: [{program, args: [string], cwd?, timeout_ms?}]} (program: a name the host allows, never a shell string)',
};

/** Placeholders an issue prompt template may use. */
export const TEMPLATE_FIELDS = [
  'run_id',
  'source',
  'issue_key',
  'title',
  'kind',
  'acceptance_criteria',
  'verification_requirements',
  'artifacts',
  'attempt',
  'max_attempts',
  'failure_notes',
] as const;

export const DEFAULT_ISSUE_TEMPLATE = [
  'You are working on issue {{issue_key}} of factory run {{run_id}}: {{title}} ({{kind}}).',
  '',
  'The request the run was started from:',
  '{{source}}',
  '',
  'Acceptance criteria:',
  '{{acceptance_criteria}}',
  '',
  'Verification requirements:',
  '{{verification_requirements}}',
  '',
  "The run's artifacts so far:",
  '{{artifacts}}',
  '',
  'This is attempt {{attempt}} of {{max_attempts}}.',
  '{{failure_notes}}',
  '',
  'Answer with JSON {"status": "passed"|"failed", "summary": "...", "notes": ["..."]} or plain text (passed).',
].join('\n');

const bullets = (xs: readonly string[]) =>
  xs.length === 0 ? '- (none)' : xs.map((x) => `- ${x}`).join('\n');

const artifactLines = (agg: RunAggregate) =>
  bullets(
    agg.artifacts
      .filter((a) => a.artifactType !== 'verification_report')
      .map((a) => `${a.artifactType} v${a.version}: ${JSON.stringify(a.payload).slice(0, 2000)}`),
  );

const previous = (notes: readonly string[]) =>
  notes.length === 0 ? '' : `Earlier attempts failed; do not repeat their mistakes:\n${bullets(notes)}`;

export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

export function issuePrompt(
  agg: RunAggregate,
  issue: Issue,
  attempt: number,
  failureNotes: readonly string[],
): string {
  const s = agg.run.supervision;
  return fillTemplate(s?.promptTemplate ?? DEFAULT_ISSUE_TEMPLATE, {
    run_id: agg.run.id,
    source: agg.run.source.content,
    issue_key: issue.stableKey ?? issue.id,
    title: issue.title,
    kind: issue.kind,
    acceptance_criteria: bullets(issue.acceptanceCriteria),
    verification_requirements: bullets(issue.verificationRequirements),
    artifacts: artifactLines(agg),
    attempt: String(attempt),
    max_attempts: String(s?.maxAttempts ?? 3),
    failure_notes: previous(failureNotes),
  });
}

export function planningPrompt(agg: RunAggregate, attempt: number, failureNotes: readonly string[]): string {
  return [
    `Plan factory run ${agg.run.id} (attempt ${attempt}).`,
    '',
    'The request:',
    agg.run.source.content,
    '',
    'Answer with JSON {"status": "passed", "summary": "...", "artifacts": [{"artifact_type": T, "payload": P}, ...]}',
    'carrying one artifact of each of these types, with payloads of these shapes:',
    ...Object.entries(PLANNING_SCHEMAS).map(([t, shape]) => `- ${t}: ${shape}`),
    previous(failureNotes),
  ].join('\n');
}

export function verificationPrompt(agg: RunAggregate, round: number): string {
  return [
    `Verify factory run ${agg.run.id} (round ${round}).`,
    '',
    'The request:',
    agg.run.source.content,
    '',
    'Issues:',
    bullets(live(agg.issues).map((i) => `${i.stableKey ?? i.id}: ${i.title} [${i.status}]`)),
    '',
    'Answer {"status": "passed"|"failed", "summary": "...", "notes": [failing checks]}.',
  ].join('\n');
}

export function checkpointPrompt(
  agg: RunAggregate,
  attempt: number,
  failureNotes: readonly string[],
): string {
  return [
    `Record the checkpoint of factory run ${agg.run.id} (attempt ${attempt}): the branch holding its work.`,
    '',
    'Answer {"status": "passed", "summary": "...", "checkpoint": {"branch_name", "worktree_path", "base_ref", "head_sha"?, "status": "ready"}}.',
    previous(failureNotes),
  ].join('\n');
}
