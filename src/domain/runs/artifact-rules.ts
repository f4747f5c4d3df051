import { fail, ok, type Result } from '../errors.js';
import { parseStageGraph } from './stage-graph.js';
import { STAGE_GRAPH_TYPES, type Artifact } from './run-model.js';

const OBJECT_TYPES = [
  'problem_interpretation',
  'delivery_spec',
  'repository_context',
  'failure_report',
  'delivery_result',
  'factory.kernel.completion_result',
];

/**
 * Artifact types are open strings; the types the kernel knows get their payload checked, and provenance
 * links must point at artifacts of the same run.
 */
export function checkArtifact(
  input: {
    artifactType: string;
    payload: unknown;
    inputArtifactIds: readonly string[];
    supersedesArtifactId: string | null;
  },
  runArtifacts: readonly Artifact[],
): Result<null> {
  const ids = new Set(runArtifacts.map((a) => a.id));
  const foreign = [
    ...input.inputArtifactIds,
    ...(input.supersedesArtifactId === null ? [] : [input.supersedesArtifactId]),
  ].filter((id) => !ids.has(id));
  if (foreign.length > 0) {
    return fail('invalid_artifact', `not artifacts of this run: ${foreign.join(', ')}`, {
      details: { artifact_ids: foreign },
    });
  }
  const t = input.artifactType;
  const p = input.payload;
  const isObject = p !== null && typeof p === 'object' && !Array.isArray(p);
  if (STAGE_GRAPH_TYPES.includes(t)) {
    const g = parseStageGraph(p);
    return g.ok ? ok(null) : g;
  }
  if (OBJECT_TYPES.includes(t) && !isObject)
    return fail('invalid_artifact', `payload of ${t} must be an object`);
  if (t === 'verification_plan') {
    const commands = isObject ? (p as { commands?: unknown }).commands : undefined;
    if (!Array.isArray(commands) || commands.length === 0) {
      return fail('invalid_artifact', 'payload of verification_plan must have a non-empty commands array');
    }
    const bad = commands.findIndex(
      (c: { program?: unknown; args?: unknown } | null) =>
        c === null ||
        typeof c !== 'object' ||
        typeof c.program !== 'string' ||
        (c.args !== undefined && !Array.isArray(c.args)),
    );
    if (bad >= 0)
      return fail(
        'invalid_artifact',
        `payload.commands[${bad}] must be {program, args[]} (an argument vector, not a shell string)`,
      );
  }
  if (
    t === 'verification_report' &&
    (!isObject || typeof (p as { success?: unknown }).success !== 'boolean')
  ) {
    return fail('invalid_artifact', 'payload of verification_report must have a boolean success');
  }
  return ok(null);
}
