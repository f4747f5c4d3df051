import type { WebSocket } from 'ws';
import type { EventRecord } from '../../domain/event.js';
import { openQueuedWsStream } from './queued-ws-stream.js';
import type { StreamOptions } from './streams.js';

export interface CellStreamOptions extends StreamOptions {
  /** The cell as `GET /factory/cells/:id` shows it now (null if it is gone). */
  readonly snapshot: () => Promise<unknown>;
  readonly onError: (e: unknown) => void;
}

/** Roughly what one queued event costs once sent: its data, the frame around it and the snapshot after it. */
const frameBytes = (e: EventRecord): number => e.data.length + 2000;

/**
 * One cell's changes over a WebSocket. First `{type: "snapshot", seq, cell}` with `seq` the stream
 * position (the events that follow have greater seqs) and `cell` as read at connect; then, for each event
 * of that cell (subject kind `cell`, in seq order, no gap, no duplicate, resumable from `after`),
 * `{type: "event", seq, ts, event_type, actor, data}` followed by a fresh `{type: "snapshot", seq, cell}`
 * carrying that event's seq (the cell is read when it is sent, so it is at least as new as the event).
 * Heartbeats and the slow-consumer end are those of every WebSocket stream (`openWsChannel`).
 *
 * Snapshots are read from the store, so frames go out from a queue one at a time and nothing overtakes
 * anything; queued events count toward the slow-consumer limit like unsent bytes.
 */
export function openCellStream(
  socket: WebSocket,
  opts: CellStreamOptions,
  after: number,
  cellId: string,
  initial: unknown,
): void {
  openQueuedWsStream(socket, opts, {
    first: [{ type: 'snapshot', seq: after, cell: initial }],
    after,
    filter: { subjectKind: 'cell', subjectId: cellId },
    frameBytes,
    onError: opts.onError,
    send: async (channel, e) => {
      channel.send({
        type: 'event',
        seq: e.seq,
        ts: e.ts,
        event_type: e.type,
        actor: e.actor,
        data: JSON.parse(e.data) as unknown,
      });
      const cell = await opts.snapshot();
      if (cell !== null) channel.send({ type: 'snapshot', seq: e.seq, cell });
    },
  });
}
