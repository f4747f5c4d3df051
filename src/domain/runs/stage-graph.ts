import { fail, ok, type Result } from '../errors.js';
import type { Issue, Stage } from './run-model.js';

export interface GraphIssue {
  readonly key: string;
  readonly title: string;
  readonly kind: string;
  readonly dependsOn: readonly string[];
  readonly acceptanceCriteria: readonly string[];
  readonly verificationRequirements: readonly string[];
}

export interface GraphStage {
  readonly key: string;
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly issues: readonly GraphIssue[];
}

const strings = (v: unknown, path: string, problems: string[]): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    problems.push(`${path} must be an array of strings`);
    return [];
  }
  return v;
};

const text = (v: unknown, path: string, problems: string[]): string => {
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push(`${path} must be a non-empty string`);
    return '';
  }
  return v;
};

/** Reads `{stages: [{key, name, depends_on, issues: [...]}]}`; refuses duplicates, dangling keys and cycles. */
export function parseStageGraph(payload: unknown): Result<GraphStage[]> {
  const problems: string[] = [];
  const rawStages = (payload as { stages?: unknown } | null)?.stages;
  if (!Array.isArray(rawStages) || rawStages.length === 0) {
    return fail('invalid_request', 'payload.stages must be a non-empty array of stages');
  }
  const stages: GraphStage[] = rawStages.map((s: Record<string, unknown> | null, i) => {
    const p = `payload.stages[${i}]`;
    if (s === null || typeof s !== 'object') {
      problems.push(`${p} must be an object`);
      return { key: '', name: '', dependsOn: [], issues: [] };
    }
    const rawIssues = s.issues ?? [];
    if (!Array.isArray(rawIssues)) problems.push(`${p}.issues must be an array`);
    return {
      key: text(s.key, `${p}.key`, problems),
      name: typeof s.name === 'string' && s.name !== '' ? s.name : typeof s.key === 'string' ? s.key : '',
      dependsOn: strings(s.depends_on, `${p}.depends_on`, problems),
      issues: (Array.isArray(rawIssues) ? rawIssues : []).map((x: Record<string, unknown> | null, j) => {
        const q = `${p}.issues[${j}]`;
        const it = x ?? {};
        return {
          key: text(it.key, `${q}.key`, problems),
          title: text(it.title, `${q}.title`, problems),
          kind: typeof it.kind === 'string' && it.kind !== '' ? it.kind : 'task',
          dependsOn: strings(it.depends_on, `${q}.depends_on`, problems),
          acceptanceCriteria: strings(it.acceptance_criteria, `${q}.acceptance_criteria`, problems),
          verificationRequirements: strings(
            it.verification_requirements,
            `${q}.verification_requirements`,
            problems,
          ),
        };
      }),
    };
  });
  if (problems.length > 0) return fail('invalid_request', problems.join('; '), { details: { problems } });

  const stageKeys = stages.map((s) => s.key);
  const issueKeys = stages.flatMap((s) => s.issues.map((i) => i.key));
  const dupes = (keys: string[]) => [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
  const dupStages = dupes(stageKeys);
  const dupIssues = dupes(issueKeys);
  if (dupStages.length > 0 || dupIssues.length > 0) {
    return fail('invalid_stage_graph', `duplicate keys: ${[...dupStages, ...dupIssues].join(', ')}`, {
      details: { keys: [...dupStages, ...dupIssues] },
    });
  }
  const dangling = [
    ...stages.flatMap((s) => s.dependsOn.filter((d) => !stageKeys.includes(d)).map((d) => `${s.key} → ${d}`)),
    ...stages.flatMap((s) =>
      s.issues.flatMap((i) =>
        i.dependsOn.filter((d) => !issueKeys.includes(d)).map((d) => `${i.key} → ${d}`),
      ),
    ),
  ];
  if (dangling.length > 0) {
    return fail('invalid_stage_graph', `dependencies on keys that do not exist: ${dangling.join(', ')}`, {
      details: { dangling },
    });
  }
  const cycle =
    findCycle(new Map(stages.map((s) => [s.key, s.dependsOn]))) ??
    findCycle(new Map(stages.flatMap((s) => s.issues.map((i) => [i.key, i.dependsOn] as const))));
  if (cycle !== null) {
    return fail('invalid_stage_graph', `dependency cycle: ${cycle.join(' → ')}`, { details: { cycle } });
  }
  return ok(stages);
}

/** Depth-first search; returns the keys of one cycle (first key repeated at the end), or null. */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (k: string): string[] | null => {
    if (state.get(k) === 'done') return null;
    if (state.get(k) === 'open') return [...path.slice(path.indexOf(k)), k];
    state.set(k, 'open');
    path.push(k);
    for (const d of edges.get(k) ?? []) {
      const c = visit(d);
      if (c !== null) return c;
    }
    path.pop();
    state.set(k, 'done');
    return null;
  };
  for (const k of edges.keys()) {
    const c = visit(k);
    if (c !== null) return c;
  }
  return null;
}

export interface MaterialisationPlan {
  readonly stages: Stage[];
  readonly issues: Issue[];
  readonly created: number;
  readonly updated: number;
  readonly superseded: number;
}

/**
 * What materialising `graph` (from artifact `artifactId`) changes: records with a matching stable key are
 * updated in place (their status kept), new keys are created, and live materialised records whose key is
 * gone are marked superseded by this artifact. Returns only the records that change.
 */
export function planMaterialisation(
  graph: readonly GraphStage[],
  artifactId: string,
  existing: { stages: readonly Stage[]; issues: readonly Issue[] },
  ctx: { runId: string; now: string; newId: (prefix: string) => string },
): MaterialisationPlan {
  const liveStages = new Map(
    existing.stages
      .filter((s) => s.stableKey !== null && s.supersededByArtifactId === null)
      .map((s) => [s.stableKey!, s]),
  );
  const liveIssues = new Map(
    existing.issues
      .filter((i) => i.stableKey !== null && i.supersededByArtifactId === null)
      .map((i) => [i.stableKey!, i]),
  );
  const stageId = new Map<string, string>();
  const issueId = new Map<string, string>();
  for (const s of graph) {
    stageId.set(s.key, liveStages.get(s.key)?.id ?? ctx.newId('stg'));
    for (const i of s.issues) issueId.set(i.key, liveIssues.get(i.key)?.id ?? ctx.newId('iss'));
  }
  const stages: Stage[] = [];
  const issues: Issue[] = [];
  let created = 0;
  let updated = 0;
  let superseded = 0;
  for (const g of graph) {
    const before = liveStages.get(g.key);
    const fields = {
      stageName: g.name,
      dependsOn: g.dependsOn.map((k) => stageId.get(k)!),
      stableKey: g.key,
      materializedFromArtifactId: artifactId,
      supersededByArtifactId: null,
    };
    if (before === undefined) created += 1;
    else updated += 1;
    stages.push(
      before === undefined
        ? {
            id: stageId.get(g.key)!,
            runId: ctx.runId,
            status: 'pending',
            assignedRoomId: null,
            summary: null,
            verificationSummary: null,
            notes: [],
            createdAt: ctx.now,
            updatedAt: ctx.now,
            version: 1,
            ...fields,
          }
        : { ...before, ...fields, updatedAt: ctx.now, version: before.version + 1 },
    );
    for (const gi of g.issues) {
      const prior = liveIssues.get(gi.key);
      const f = {
        stageId: stageId.get(g.key)!,
        title: gi.title,
        kind: gi.kind,
        dependsOn: gi.dependsOn.map((k) => issueId.get(k)!),
        acceptanceCriteria: gi.acceptanceCriteria,
        verificationRequirements: gi.verificationRequirements,
        stableKey: gi.key,
        materializedFromArtifactId: artifactId,
        supersededByArtifactId: null,
      };
      if (prior === undefined) created += 1;
      else updated += 1;
      issues.push(
        prior === undefined
          ? {
              id: issueId.get(gi.key)!,
              runId: ctx.runId,
              status: 'pending',
              assignedRoomId: null,
              summary: null,
              notes: [],
              createdAt: ctx.now,
              updatedAt: ctx.now,
              version: 1,
              ...f,
            }
          : { ...prior, ...f, updatedAt: ctx.now, version: prior.version + 1 },
      );
    }
  }
  const keptStages = new Set(graph.map((g) => g.key));
  const keptIssues = new Set(graph.flatMap((g) => g.issues.map((i) => i.key)));
  for (const [key, s] of liveStages) {
    if (keptStages.has(key)) continue;
    superseded += 1;
    stages.push({ ...s, supersededByArtifactId: artifactId, updatedAt: ctx.now, version: s.version + 1 });
  }
  for (const [key, i] of liveIssues) {
    if (keptIssues.has(key)) continue;
    superseded += 1;
    issues.push({ ...i, supersededByArtifactId: artifactId, updatedAt: ctx.now, version: i.version + 1 });
  }
  return { stages, issues, created, updated, superseded };
}

/** True when this artifact already shaped the run's stages (materialising it again changes nothing). */
export const alreadyMaterialised = (
  artifactId: string,
  stages: readonly Stage[],
  issues: readonly Issue[],
): boolean =>
  [...stages, ...issues].some(
    (r) => r.materializedFromArtifactId === artifactId || r.supersededByArtifactId === artifactId,
  );
