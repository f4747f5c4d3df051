import type { WebSocket } from 'ws';
import type { EventFilter, EventRecord } from '../../domain/event.js';
import type { SubscriberSink, Subscription } from '../../engine/event-hub.js';
import { endReasonOf, openWsChannel, type StreamEnd, type StreamOptions, type WsChannel } from './streams.js';

export interface QueuedStreamSpec {
  /** The first frames, sent in order before any event. */
  readonly first: readonly unknown[];
  readonly after: number;
  readonly filter: EventFilter;
  /** Roughly what one queued event costs once sent, for the slow-consumer limit. */
  readonly frameBytes: (e: EventRecord) => number;
  /**
   * Sends the frames for one event: the event's own frame first, before any await, then whatever needs
   * reading. `next` is the event queued behind it, if any (for coalescing).
   */
  readonly send: (channel: WsChannel, e: EventRecord, next: EventRecord | undefined) => Promise<void>;
  readonly onError: (e: unknown) => void;
}

/**
 * A WebSocket stream whose frames need async work per event (a snapshot read from the store): events
 * are queued and sent one at a time, so nothing overtakes anything, and queued events count toward the
 * slow-consumer limit like unsent bytes. Heartbeats and the clean end are `openWsChannel`'s; the last
 * frame's `resume_after` is the seq of the last event sent.
 */
export function openQueuedWsStream(socket: WebSocket, opts: StreamOptions, spec: QueuedStreamSpec): void {
  const queue: EventRecord[] = [];
  let pendingBytes = 0;
  let draining = false;
  let sent = spec.after;
  let sub: Subscription | null = null;
  const channel = openWsChannel(
    socket,
    opts,
    () => {
      sub?.close();
      queue.length = 0;
      pendingBytes = 0;
    },
    () => sent,
  );
  const end = (reason: StreamEnd['reason']) => channel.finish({ reason, resume_after: sent });

  const drain = async (): Promise<void> => {
    try {
      for (let e = queue.shift(); e !== undefined && !channel.ended; e = queue.shift()) {
        pendingBytes -= spec.frameBytes(e);
        const sending = spec.send(channel, e, queue[0]);
        sent = e.seq; // `send` sends the event's own frame before its first await
        await sending;
      }
    } catch (err) {
      spec.onError(err);
      end('read_failed');
    } finally {
      draining = false;
    }
  };

  const sink: SubscriberSink = {
    deliver: (e) => {
      if (channel.ended) return false;
      if (channel.tooSlow(pendingBytes)) {
        end('slow_consumer');
        return false;
      }
      queue.push(e);
      pendingBytes += spec.frameBytes(e);
      if (!draining) {
        draining = true;
        // After the hub's synchronous hand-over of a whole page, so consecutive events can coalesce.
        queueMicrotask(() => void drain());
      }
      return true;
    },
    ready: () => channel.drained(() => pendingBytes),
    end: (reason) => end(endReasonOf(reason)),
  };
  for (const frame of spec.first) channel.send(frame);
  sub = opts.hub.subscribe(spec.after, spec.filter, sink);
  if (channel.ended) sub.close();
}
