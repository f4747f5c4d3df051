import type { PublicEvent } from '../domain/event.js';
import { followEvents } from './events-tail.js';
import { CliError, call, type Client } from './http-client.js';

/** The organ events a watch reads (subject kind `organ`). */
export const WATCHED_TYPES = ['organ.stage_changed', 'organ.awaiting_approval'] as const;

/** How a watched build ended. */
export type WatchEnd =
  | { readonly outcome: 'stable'; readonly id: string }
  | { readonly outcome: 'awaiting_approval'; readonly id: string; readonly state: string };

export interface OrganWatchOptions {
  /** Redraw one progress line (a terminal) rather than print a line per change. */
  readonly tty: boolean;
  /** Print the events as JSON lines (for scripts) instead of text. */
  readonly json: boolean;
  readonly write: (text: string) => void;
  readonly note: (line: string) => void;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** What the server answered to the call that started the build (`POST /organs/build` or `…/rebuild`). */
export interface Started {
  readonly id: string;
  readonly state: string;
  readonly answer: unknown;
}

/**
 * When the build now under way started: the newest entry of the organ's stage history for the state the
 * build started in. Null when the status cannot say (the first event's time stands in then).
 */
async function startedAt(c: Client, organ: Started): Promise<number | null> {
  try {
    const s = await call<{ stage_history?: { state: string; at: string }[] } | null>(
      c,
      'GET',
      `/organs/${encodeURIComponent(organ.id)}/status`,
    );
    const entry = (s?.stage_history ?? []).filter((h) => h.state === organ.state).at(-1);
    const t = entry === undefined ? NaN : Date.parse(entry.at);
    return Number.isNaN(t) ? null : t;
  } catch {
    return null;
  }
}

/**
 * Starts a staged build and follows it until it settles: `start` runs once the event stream is open (so
 * no stage change can slip by before the watch sees it; the stream resumes by itself after a
 * disconnect). Each `organ.stage_changed` of the organ is shown as it comes: on a terminal one progress
 * line is redrawn (`organ-3 ▸ draft → canary → experimental …`), otherwise one line per stage
 * (`organ-3 ▸ canary (+52 ms)`). Resolves at `stable`, or when the organ waits for a human approval
 * (`organ.awaiting_approval`); at `failed` throws `build_failed` with the reason.
 *
 * `subjectId`, when known before the start (a rebuild), narrows the stream to that organ.
 */
export async function watchBuild(
  c: Client,
  start: () => Promise<Started>,
  o: OrganWatchOptions,
  subjectId?: string,
): Promise<WatchEnd> {
  let organ: Started | null = null;
  const stages: string[] = [];
  /** When the build started, by the server's clock (its stage history); events are timed against it. */
  let t0: number | null = null;
  const result: { end: WatchEnd | null } = { end: null };

  const line = (suffix: string) => `${organ?.id ?? ''} ▸ ${stages.join(' → ')}${suffix}`;
  const redraw = (suffix: string, final: boolean) => o.write(`\r\x1b[2K${line(suffix)}${final ? '\n' : ''}`);
  const show = (state: string, reason: string | null, ts: string | null) => {
    stages.push(state);
    if (o.json) return;
    if (o.tty) redraw(state === 'stable' ? ' ✓' : state === 'failed' ? ' ✗' : ' …', isEnd(state));
    else {
      // The event's own time, not when it reached this client: a reconnect or a slow link does not move it.
      const when = ts === null ? NaN : Date.parse(ts);
      if (t0 === null && !Number.isNaN(when)) t0 = when;
      const at = stages.length === 1 || t0 === null || Number.isNaN(when) ? '' : ` (+${when - t0} ms)`;
      o.write(`${organ?.id ?? ''} ▸ ${state}${reason === null ? '' : `: ${reason}`}${at}\n`);
    }
  };
  const isEnd = (state: string) => state === 'stable' || state === 'failed';

  /** Ends the watch at a terminal state: null while the build goes on. */
  const settle = async (state: string, reason: string | null): Promise<WatchEnd | null> => {
    if (organ === null) return null;
    if (state === 'stable') return { outcome: 'stable', id: organ.id };
    if (state !== 'failed') return null;
    let why = reason;
    if (why === null) {
      const s = await call<{ reason?: unknown } | null>(
        c,
        'GET',
        `/organs/${encodeURIComponent(organ.id)}/status`,
      );
      why = str(s?.reason);
    }
    throw new CliError('build_failed', why ?? `organ ${organ.id} failed`);
  };

  await followEvents(
    c,
    {
      subjectKind: 'organ',
      type: WATCHED_TYPES.join(','),
      ...(subjectId === undefined ? {} : { subjectId }),
    },
    {
      note: o.note,
      onOpen: async (_after, reconnect) => {
        if (reconnect || organ !== null) return false;
        organ = await start();
        t0 = await startedAt(c, organ);
        if (o.json) o.write(`${JSON.stringify(organ.answer)}\n`);
        show(organ.state, null, null);
        result.end = await settle(organ.state, null);
        return result.end !== null;
      },
      onEvent: async (e: PublicEvent) => {
        if (organ === null || e.subject_id !== organ.id) return false;
        if (o.json) o.write(`${JSON.stringify(e)}\n`);
        const d = (e.data ?? {}) as Record<string, unknown>;
        if (e.type === 'organ.awaiting_approval') {
          const state = str(d.state) ?? str(d.stage) ?? stages.at(-1) ?? organ.state;
          if (!o.json) {
            if (o.tty) redraw(' ⏸', true);
            o.write(
              `${organ.id} is awaiting approval at ${state}: approve with "fabrica organs approve ${organ.id}"\n`,
            );
          }
          result.end = { outcome: 'awaiting_approval', id: organ.id, state };
          return true;
        }
        const to = str(d.to);
        // The state the build started in is shown already (from the answer that started it).
        if (to === null || to === stages.at(-1)) return false;
        const reason = str(d.reason);
        show(to, reason, str(d.at) ?? e.ts);
        result.end = await settle(to, reason);
        return result.end !== null;
      },
    },
  );
  if (result.end === null) throw new CliError('internal', 'the watch ended without an outcome');
  return result.end;
}
