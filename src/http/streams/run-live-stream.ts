import type { WebSocket } from 'ws';
import type { FactoryEventFrame, RunStatusView } from '../../contract/run-live.js';
import type { EventFilter, EventRecord } from '../../domain/event.js';
import { openQueuedWsStream } from './queued-ws-stream.js';
import type { StreamOptions } from './streams.js';

export interface RunLiveOptions extends StreamOptions {
  /** The run's status aggregate as it stands now, or null when the caller may no longer see the run. */
  readonly snapshot: (runId: string) => Promise<RunStatusView | null>;
  readonly onError: (e: unknown) => void;
}

type RunEventData = Partial<Record<'event_type' | 'run_id' | 'target_kind' | 'target_id', unknown>> &
  Partial<Record<'stage_id' | 'issue_id' | 'room' | 'context', unknown>>;

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

/** A run event as the live bus sends it (the `data` that `RunDraft.event` writes, with seq and ts). */
export function factoryEvent(e: EventRecord): FactoryEventFrame {
  const d = JSON.parse(e.data) as RunEventData | null;
  return {
    type: 'factory.event',
    seq: e.seq,
    ts: e.ts,
    event_type: str(d?.event_type, e.type),
    run_id: str(d?.run_id, e.subjectId),
    target_kind: str(d?.target_kind, 'run'),
    target_id: str(d?.target_id, e.subjectId),
    ...(typeof d?.stage_id === 'string' ? { stage_id: d.stage_id } : {}),
    ...(typeof d?.issue_id === 'string' ? { issue_id: d.issue_id } : {}),
    ...(typeof d?.room === 'string' ? { room: d.room } : {}),
    context: d?.context ?? {},
  };
}

/** Roughly what one queued event costs once sent: its data plus the frame around it. */
const frameBytes = (e: EventRecord): number => e.data.length + 200;

/**
 * The run live stream over a WebSocket: `{type: "hello", after, head, run_id}`, for one run its
 * `factory.snapshot` as it stands on connecting (`seq` is `after`), then for each run event
 * (seq order, no gap, no duplicate, resumable from `after`) a `factory.event` frame followed by a
 * `factory.snapshot` frame `{seq, run_id, data}` with that run's status aggregate; heartbeats and the
 * clean slow-consumer end are those of every WebSocket stream (`openWsChannel`).
 *
 * Snapshots are read from the store, which is async, so the connection sends from a queue one frame at
 * a time: nothing overtakes anything. When the queue already holds the run's next event, the snapshot
 * waits for it (coalescing): a snapshot always follows the last of a run of consecutive events of one
 * run, before any event of another run. Its `seq` is that last event's, and its data is the run as read
 * when it is sent, so at least as new as the event. Queued events count toward the slow-consumer limit,
 * like unsent bytes: a client the server cannot keep up with is closed with a resume point, never buffered
 * without bound.
 */
export function openRunLiveStream(
  socket: WebSocket,
  opts: RunLiveOptions,
  after: number,
  filter: EventFilter,
  runId: string | null,
  initial: RunStatusView | null = null,
): void {
  const hello = { type: 'hello', after, head: opts.hub.head, run_id: runId };
  openQueuedWsStream(socket, opts, {
    first:
      initial === null
        ? [hello]
        : [hello, { type: 'factory.snapshot', seq: after, run_id: initial.run_id, data: initial }],
    after,
    filter,
    frameBytes,
    onError: opts.onError,
    send: async (channel, e, next) => {
      const frame = factoryEvent(e);
      channel.send(frame);
      if (next?.subjectId === e.subjectId) return; // the snapshot follows the last of the run's events
      const data = await opts.snapshot(frame.run_id);
      if (data !== null) channel.send({ type: 'factory.snapshot', seq: e.seq, run_id: frame.run_id, data });
    },
  });
}
