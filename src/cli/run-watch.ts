import type { FactorySnapshotFrame } from '../contract/run-live.js';
import type * as Wire from '../contract/runs.js';
import type { PublicEvent } from '../domain/event.js';
import { ATTENTION_VERDICTS, TERMINAL_RUN_STATUSES } from '../domain/runs/run-model.js';
import { followEvents } from './events-tail.js';
import { CliError, callData, type Client } from './http-client.js';

/** What `fabrica runs watch --until` can wait for. */
export const UNTIL_CONDITIONS = ['completed', 'failed', 'cancelled', 'blocked', 'attention'] as const;
export type UntilCondition = (typeof UNTIL_CONDITIONS)[number];

/** The status aggregate (`GET /llm/factory/runs/:id/status`), as the contract defines it. */
export type RunStatusView = Wire.RunStatusView;

export const isFinished = (s: RunStatusView): boolean =>
  (TERMINAL_RUN_STATUSES as readonly string[]).includes(s.status);

const stuck = (counts: Wire.WorkCounts): boolean => counts.blocked + counts.failed > 0;

/**
 * Not finished and waiting for a person: the status lists blockers, or a stage or issue is blocked or
 * failed. Preconditions the run merely waits for (`waiting_on`) do not count.
 */
export const isBlocked = (s: RunStatusView): boolean =>
  !isFinished(s) && (s.blockers.length > 0 || stuck(s.stage_counts) || stuck(s.issue_counts));

/** A human is wanted: a gate verdict of fail, failed, needs_review or needs_further_review, or diagnostics. */
export const needsAttention = (s: RunStatusView): boolean =>
  Object.values(s.latest_gate_verdicts).some((v) => ATTENTION_VERDICTS.includes(v)) ||
  s.diagnostics.length > 0;

export function reached(until: UntilCondition, s: RunStatusView): boolean {
  switch (until) {
    case 'blocked':
      return isBlocked(s);
    case 'attention':
      return needsAttention(s);
    default:
      return s.status === until;
  }
}

/** `implementing (stage build) [blocked]`: the run's state in one phrase. */
export function describeStatus(s: RunStatusView): string {
  const stage = s.current_stage === null ? '' : ` (stage ${s.current_stage})`;
  const flags = [isBlocked(s) ? 'blocked' : null, needsAttention(s) ? 'attention' : null].filter(Boolean);
  return `${s.status}${stage}${flags.length === 0 ? '' : ` [${flags.join(', ')}]`}`;
}

export interface WatchOptions {
  readonly until?: UntilCondition;
  readonly json: boolean;
  readonly out: (line: string) => void;
  readonly note: (line: string) => void;
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

/** Reads the status aggregate; like the stream, waits out a server that is down or restarting. */
async function statusOf(c: Client, path: string, note: (line: string) => void): Promise<RunStatusView> {
  for (let backoff = 250; ; backoff = Math.min(backoff * 2, 5000)) {
    try {
      return await callData<RunStatusView>(c, 'GET', path);
    } catch (e) {
      if (!(e instanceof CliError) || (e.code !== 'unreachable' && e.code !== 'unavailable')) throw e;
      note(`${e.message}; retrying`);
      await new Promise((r) => setTimeout(r, backoff));
    }
  }
}

/**
 * Follows one run: its events from `GET /events?subject_kind=run&subject_id=…` (resumed after a
 * disconnect), and after each the status aggregate. Prints the status once when the stream opens, then a
 * line per event. Ends when `until` holds (or, without `until`, when the run finishes); a run that finishes
 * without reaching `until` is an error (`run_finished`).
 *
 * With `json`, prints JSON lines shaped as the live bus's frames: `factory.snapshot` first, then
 * `factory.event` and `factory.snapshot` for each change.
 */
export async function watchRun(c: Client, id: string, o: WatchOptions): Promise<void> {
  const path = `/llm/factory/runs/${encodeURIComponent(id)}/status`;
  const done = (s: RunStatusView): boolean => {
    if (o.until === undefined ? isFinished(s) : reached(o.until, s)) {
      if (!o.json) o.out(`reached ${o.until ?? s.status}`);
      return true;
    }
    if (isFinished(s)) {
      throw new CliError('run_finished', `run ${id} is ${s.status}; it will not reach ${o.until ?? ''}`);
    }
    return false;
  };
  const snapshot = (seq: number, s: RunStatusView) =>
    JSON.stringify({
      type: 'factory.snapshot',
      seq,
      run_id: s.run_id,
      data: s,
    } satisfies FactorySnapshotFrame);
  // Lines are timed by the events' own timestamps against the run's creation, never by arrival.
  let t0: number | null = null;
  const since = (ts: string): string => {
    const t = Date.parse(ts);
    return t0 === null || Number.isNaN(t) ? '' : `  (+${t - t0} ms)`;
  };
  await followEvents(
    c,
    { subjectKind: 'run', subjectId: id },
    {
      note: o.note,
      onOpen: async (after, reconnect) => {
        if (reconnect) return false;
        const s = await statusOf(c, path, o.note);
        if (!o.json) {
          const run = await callData<Wire.Run>(c, 'GET', `/llm/factory/runs/${encodeURIComponent(id)}`);
          t0 = Date.parse(run.created_at);
        }
        o.out(o.json ? snapshot(after, s) : `run ${id}: ${describeStatus(s)}`);
        return done(s);
      },
      onEvent: async (e: PublicEvent) => {
        const d = (e.data ?? {}) as Record<string, unknown>;
        const s = await statusOf(c, path, o.note);
        const eventType = str(d.event_type, e.type);
        const target = `${str(d.target_kind, e.subject_kind)}/${str(d.target_id, e.subject_id)}`;
        if (o.json) {
          o.out(JSON.stringify({ type: 'factory.event', seq: e.seq, ts: e.ts, ...d, event_type: eventType }));
          o.out(snapshot(e.seq, s));
        } else {
          o.out(`${e.seq}  ${eventType}  ${target}  → ${describeStatus(s)}${since(e.ts)}`);
        }
        return done(s);
      },
    },
  );
}
