import type { NewEvent } from '../../domain/event.js';
import { reconcile } from '../../domain/runs/progress.js';
import type {
  Artifact,
  Checkpoint,
  GateRecord,
  Issue,
  Run,
  RunAggregate,
  RunStatus,
  Stage,
} from '../../domain/runs/run-model.js';
import type { RunRecord } from './run-ports.js';

export interface EventTarget {
  readonly targetKind:
    'run' | 'stage' | 'issue' | 'checkpoint' | 'artifact' | 'gate' | 'verification' | 'assignment';
  readonly targetId: string;
  readonly stageId?: string | null;
  readonly issueId?: string | null;
  readonly room?: string | null;
  readonly context?: Record<string, unknown>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A run being changed inside one transaction: use cases put records and raise events on it; the service
 * then reconciles progress and writes everything (records, run version, events) in the same transaction.
 */
export class RunDraft {
  readonly agg: Mutable<RunAggregate>;
  readonly now: string;
  readonly actor: string;
  readonly newId: (prefix: string) => string;
  readonly records: RunRecord[] = [];
  readonly events: NewEvent[] = [];
  #runChanged = false;

  constructor(agg: RunAggregate, ctx: { now: string; actor: string; newId: (prefix: string) => string }) {
    this.agg = {
      ...agg,
      stages: [...agg.stages],
      issues: [...agg.issues],
      checkpoints: [...agg.checkpoints],
    };
    this.now = ctx.now;
    this.actor = ctx.actor;
    this.newId = ctx.newId;
  }

  get run(): Run {
    return this.agg.run;
  }

  get changed(): boolean {
    return this.#runChanged || this.records.length > 0 || this.events.length > 0;
  }

  putStage(s: Stage): void {
    this.agg.stages = upsert(this.agg.stages, s);
    this.records.push({ type: 'stage', value: s });
  }
  putIssue(i: Issue): void {
    this.agg.issues = upsert(this.agg.issues, i);
    this.records.push({ type: 'issue', value: i });
  }
  putCheckpoint(c: Checkpoint): void {
    this.agg.checkpoints = upsert(this.agg.checkpoints, c);
    this.records.push({ type: 'checkpoint', value: c });
  }
  addArtifact(a: Artifact): void {
    this.agg.artifacts = [...this.agg.artifacts, a];
    this.records.push({ type: 'artifact', value: a });
  }
  addGate(g: GateRecord): void {
    this.agg.gates = [...this.agg.gates, g];
    this.records.push({ type: 'gate', value: g });
  }

  setStatus(to: RunStatus, reason: string, extra: Partial<Run> = {}): void {
    const from = this.agg.run.status;
    this.agg.run = { ...this.agg.run, ...extra, status: to };
    this.#runChanged = true;
    this.event('run.status_changed', {
      targetKind: 'run',
      targetId: this.run.id,
      context: { from, to, reason },
    });
  }

  /** Changes fields of the run other than its status (the supervisor's own state). */
  patchRun(extra: Partial<Omit<Run, 'status' | 'id' | 'tenant' | 'version'>>): void {
    this.agg.run = { ...this.agg.run, ...extra };
    this.#runChanged = true;
  }

  /** Next provenance number for an artifact type in this run (0 for the first). */
  nextArtifactVersion(type: string): number {
    return this.agg.artifacts.filter((a) => a.artifactType === type).length;
  }

  event(type: string, t: EventTarget): void {
    this.events.push({
      type,
      subjectKind: 'run',
      subjectId: this.run.id,
      tenant: this.run.tenant,
      actor: this.actor,
      data: {
        event_type: type,
        run_id: this.run.id,
        target_kind: t.targetKind,
        target_id: t.targetId,
        ...(t.stageId == null ? {} : { stage_id: t.stageId }),
        ...(t.issueId == null ? {} : { issue_id: t.issueId }),
        ...(t.room == null ? {} : { room: t.room }),
        context: t.context ?? {},
      },
    });
  }

  /** Applies the progress rules until nothing more moves, with an event for each promotion. */
  reconcile(): void {
    for (let round = 0; round < 100; round += 1) {
      const { stages, issues } = reconcile(this.agg, this.now);
      if (stages.length === 0 && issues.length === 0) return;
      for (const i of issues) {
        this.putIssue(i);
        this.event('issue.updated', {
          targetKind: 'issue',
          targetId: i.id,
          stageId: i.stageId,
          issueId: i.id,
          context: { status: i.status, by: 'kernel' },
        });
      }
      for (const s of stages) {
        this.putStage(s);
        this.event('stage.updated', {
          targetKind: 'stage',
          targetId: s.id,
          stageId: s.id,
          context: { status: s.status, by: 'kernel' },
        });
      }
    }
  }

  /** The run as it will be stored: version bumped once per transaction that changed anything. */
  finalRun(): Run {
    return { ...this.agg.run, updatedAt: this.now, version: this.agg.run.version + 1 };
  }
}

function upsert<T extends { id: string }>(xs: readonly T[], x: T): T[] {
  const i = xs.findIndex((y) => y.id === x.id);
  if (i < 0) return [...xs, x];
  const copy = [...xs];
  copy[i] = x;
  return copy;
}
