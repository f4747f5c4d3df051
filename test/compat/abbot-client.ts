/**
 * The abbot CLI/TUI reads the LLM factory family like this: each answer is `{success, data}`, and in
 * `data` some fields are required (the client fails without them) and others optional but typed. These
 * readers throw the way the client's parsing fails, naming the field, so a test that passes an answer
 * through them proves the client can read it. Field lists: docs/llm-factory.md and README, "Compatibility".
 */

type Json = Record<string, unknown>;

export class ClientParseError extends Error {}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

const at = (o: Json, field: string, where: string) => {
  if (!(field in o)) throw new ClientParseError(`${where}: missing required field ${field}`);
  return o[field];
};

const str = (o: Json, field: string, where: string): string => {
  const v = at(o, field, where);
  if (typeof v !== 'string') throw new ClientParseError(`${where}.${field}: expected a string`);
  return v;
};

const optStr = (o: Json, field: string, where: string): string | null => {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new ClientParseError(`${where}.${field}: expected a string or null`);
  return v;
};

const strList = (o: Json, field: string, where: string, required = false): string[] => {
  const v = required ? at(o, field, where) : (o[field] ?? []);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new ClientParseError(`${where}.${field}: expected a list of strings`);
  return v;
};

const time = (o: Json, field: string, where: string): string => {
  const v = str(o, field, where);
  if (!RFC3339.test(v)) throw new ClientParseError(`${where}.${field}: not RFC 3339: ${v}`);
  return v;
};

const obj = (v: unknown, where: string): Json => {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ClientParseError(`${where}: expected an object`);
  return v as Json;
};

const countMap = (o: Json, field: string, where: string): Record<string, number> => {
  const m = obj(o[field] ?? {}, `${where}.${field}`);
  for (const [k, v] of Object.entries(m))
    if (!Number.isInteger(v)) throw new ClientParseError(`${where}.${field}.${k}: expected an integer`);
  return m as Record<string, number>;
};

/** The envelope: `{success: true, data}`; anything else is the client's error path. */
export function envelope(body: unknown): unknown {
  const b = obj(body, 'answer');
  if (b.success !== true) throw new ClientParseError(`answer: success is ${String(b.success)}`);
  return at(b, 'data', 'answer');
}

/** `{success: false, error, code, message}`: what the client prints on failure. */
export function failure(body: unknown): { code: string; message: string } {
  const b = obj(body, 'error answer');
  if (b.success !== false) throw new ClientParseError('error answer: success is not false');
  str(b, 'error', 'error answer');
  return { code: str(b, 'code', 'error answer'), message: str(b, 'message', 'error answer') };
}

export function runListItem(v: unknown) {
  const o = obj(v, 'run');
  return {
    id: str(o, 'id', 'run'),
    status: str(o, 'status', 'run'),
    currentStage: optStr(o, 'current_stage', 'run'),
    workflowKind: optStr(o, 'workflow_kind', 'run'),
    brief: optStr(o, 'source_brief', 'run') ?? optStr(o, 'title', 'run'),
    activeRoomIds: strList(o, 'active_room_ids', 'run'),
    updatedAt: time(o, 'updated_at', 'run'),
  };
}

/** `POST /runs`: the new run's id as `run_id`, or `id`. */
export function createdRunId(v: unknown): string {
  const o = obj(v, 'created run');
  const id = o.run_id ?? o.id;
  if (typeof id !== 'string' || id === '') throw new ClientParseError('created run: no run_id or id');
  return id;
}

/** `POST /runs/:id/cancel`: the client shows `reason`. */
export function cancelAnswer(v: unknown) {
  const o = obj(v, 'cancel');
  return { status: str(o, 'status', 'cancel'), reason: optStr(o, 'reason', 'cancel') };
}

export function startAnswer(v: unknown) {
  const o = obj(v, 'start');
  if (typeof o.completed !== 'boolean' || typeof o.failed !== 'boolean')
    throw new ClientParseError('start: completed and failed must be booleans');
  return {
    runId: str(o, 'run_id', 'start'),
    status: str(o, 'status', 'start'),
    completed: o.completed,
    failed: o.failed,
    actions: strList(o, 'actions', 'start', true),
  };
}

const VERIFICATION = ['passed', 'failed', 'skipped', 'pending'];

export function runStatus(v: unknown) {
  const o = obj(v, 'status');
  const verification = o.latest_verification;
  if (verification !== undefined && verification !== null && !VERIFICATION.includes(String(verification)))
    throw new ClientParseError(`status.latest_verification: unknown value ${String(verification)}`);
  const success = o.latest_verification_success;
  if (success !== undefined && success !== null && typeof success !== 'boolean')
    throw new ClientParseError('status.latest_verification_success: expected a boolean or null');
  const verdicts = obj(o.latest_gate_verdicts ?? {}, 'status.latest_gate_verdicts');
  for (const [k, x] of Object.entries(verdicts))
    if (typeof x !== 'string')
      throw new ClientParseError(`status.latest_gate_verdicts.${k}: expected a string`);
  return {
    runId: str(o, 'run_id', 'status'),
    status: str(o, 'status', 'status'),
    currentStage: optStr(o, 'current_stage', 'status'),
    stageCounts: countMap(o, 'stage_counts', 'status'),
    issueCounts: countMap(o, 'issue_counts', 'status'),
    latestCheckpointStatus: optStr(o, 'latest_checkpoint_status', 'status'),
    latestVerification: verification as string | undefined,
    blockers: strList(o, 'blockers', 'status'),
    diagnostics: strList(o, 'diagnostics', 'status'),
    nextActions: strList(o, 'next_actions', 'status'),
  };
}

/** The TUI's room list: `purpose`, `status` and `rented_at` on every room. */
export function room(v: unknown) {
  const o = obj(v, 'room');
  const status = str(o, 'status', 'room');
  if (status !== 'active' && status !== 'closed')
    throw new ClientParseError(`room.status: expected active or closed, got ${status}`);
  if (!('purpose' in o)) throw new ClientParseError('room: missing required field purpose');
  return {
    id: str(o, 'id', 'room'),
    purpose: optStr(o, 'purpose', 'room'),
    status,
    rentedAt: time(o, 'rented_at', 'room'),
    metadata: obj(o.metadata ?? {}, 'room.metadata'),
  };
}

export function artifact(v: unknown) {
  const o = obj(v, 'artifact');
  const version = at(o, 'version', 'artifact');
  if (!Number.isInteger(version) || (version as number) < 0)
    throw new ClientParseError('artifact.version: expected an integer ≥ 0');
  at(o, 'payload', 'artifact');
  return {
    id: str(o, 'id', 'artifact'),
    artifactType: str(o, 'artifact_type', 'artifact'),
    version: version as number,
    producerType: str(o, 'producer_type', 'artifact'),
    producerId: str(o, 'producer_id', 'artifact'),
    schemaVersion: str(o, 'schema_version', 'artifact'),
  };
}

/** What `abbot llm factory watch` does: poll the status until it finishes, blockers appear, or a bound. */
export async function watchLikeTheClient(
  poll: () => Promise<ReturnType<typeof runStatus>>,
  until: string | null,
  maxPolls: number,
): Promise<{ stoppedBecause: 'blockers' | 'finished' | 'until' | 'bound'; polls: number }> {
  for (let polls = 1; polls <= maxPolls; polls += 1) {
    const s = await poll();
    if (until !== null && s.status === until) return { stoppedBecause: 'until', polls };
    if (['completed', 'failed', 'cancelled'].includes(s.status)) return { stoppedBecause: 'finished', polls };
    if (s.blockers.length > 0) return { stoppedBecause: 'blockers', polls };
  }
  return { stoppedBecause: 'bound', polls: maxPolls };
}

/** The exit code of `--until <status>`: 0 when reached, 1 when the run finished otherwise (its failure path). */
export const untilExitCode = (until: string, finalStatus: string): number => (finalStatus === until ? 0 : 1);

const optStrList = (o: Json, field: string, where: string) => strList(o, field, where);

export function stage(v: unknown) {
  const o = obj(v, 'stage');
  return {
    id: str(o, 'id', 'stage'),
    status: str(o, 'status', 'stage'),
    stageName: str(o, 'stage_name', 'stage'),
    dependsOn: optStrList(o, 'depends_on', 'stage'),
    assignedRoomId: optStr(o, 'assigned_room_id', 'stage'),
    summary: optStr(o, 'summary', 'stage'),
    verificationSummary: optStr(o, 'verification_summary', 'stage'),
    notes: optStrList(o, 'notes', 'stage'),
  };
}

export function issue(v: unknown) {
  const o = obj(v, 'issue');
  return {
    id: str(o, 'id', 'issue'),
    status: str(o, 'status', 'issue'),
    title: str(o, 'title', 'issue'),
    kind: str(o, 'kind', 'issue'),
    stageId: optStr(o, 'stage_id', 'issue'),
    dependsOn: optStrList(o, 'depends_on', 'issue'),
    acceptanceCriteria: optStrList(o, 'acceptance_criteria', 'issue'),
    verificationRequirements: optStrList(o, 'verification_requirements', 'issue'),
    assignedRoomId: optStr(o, 'assigned_room_id', 'issue'),
    summary: optStr(o, 'summary', 'issue'),
    notes: optStrList(o, 'notes', 'issue'),
  };
}

export function checkpoint(v: unknown) {
  const o = obj(v, 'checkpoint');
  return {
    id: str(o, 'id', 'checkpoint'),
    status: str(o, 'status', 'checkpoint'),
    branchName: str(o, 'branch_name', 'checkpoint'),
    worktreePath: str(o, 'worktree_path', 'checkpoint'),
    baseRef: str(o, 'base_ref', 'checkpoint'),
    headSha: optStr(o, 'head_sha', 'checkpoint'),
    includedIssueIds: optStrList(o, 'included_issue_ids', 'checkpoint'),
    mergedIssueIds: optStrList(o, 'merged_issue_ids', 'checkpoint'),
    conflictIssueIds: optStrList(o, 'conflict_issue_ids', 'checkpoint'),
    notes: optStrList(o, 'notes', 'checkpoint'),
  };
}

const REVIEW_LISTS = [
  'artifact_summary',
  'checkpoint_summary',
  'issue_summary',
  'stage_summary',
  'gate_summary',
  'evidence_summary',
  'blockers',
  'diagnostics',
  'next_actions',
  'open_risks',
] as const;

export function reviewBundle(v: unknown) {
  const o = obj(v, 'review');
  return {
    id: str(o, 'id', 'review'),
    runId: optStr(o, 'run_id', 'review'),
    planSummary: str(o, 'plan_summary', 'review'),
    lists: Object.fromEntries(REVIEW_LISTS.map((k) => [k, strList(o, k, 'review')])) as Record<
      (typeof REVIEW_LISTS)[number],
      string[]
    >,
  };
}
