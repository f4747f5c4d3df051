import { withQuery, type Query } from './api';

export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveOptions<F> {
  /** A WebSocket route: `/events`, `/organs/:id/stream`, `/factory/cells/:id/stream`, `/llm/live`. */
  readonly path: string;
  /** Filters such as `{type: 'capability.changed'}` or `{run_id}`; `after` is managed here. */
  readonly query?: Query;
  readonly token: string;
  /** Resume after this seq on the first connection (default: the stream's own start, usually "now"). */
  readonly after?: number;
  /** The seq a frame carries, if it is a resume point (the default reads `seq` and `event.seq`). */
  readonly seqOf?: (frame: F) => number | null;
  readonly onFrame: (frame: F) => void;
  readonly onState?: (state: LiveState) => void;
  /** The server refused the stream for good (`{type: "error"}` frame, or a 44xx close code). */
  readonly onRefused?: (code: string, reason: string) => void;
}

export interface Live {
  close(): void;
}

const defaultSeqOf = (frame: unknown): number | null => {
  if (typeof frame !== 'object' || frame === null) return null;
  const f = frame as { seq?: unknown; event?: { seq?: unknown } };
  const seq = typeof f.seq === 'number' ? f.seq : f.event?.seq;
  return typeof seq === 'number' ? seq : null;
};

/**
 * Opens one of the server's WebSocket streams with the token as a `bearer.<token>` sub-protocol (so it
 * never appears in a URL), and keeps it open: after a drop it reconnects with `after=<last seq seen>`,
 * waiting 0.5 s, then twice as long each time up to 10 s, so nothing is missed or seen twice.
 */
export function openLive<F = unknown>(opts: LiveOptions<F>): Live {
  const seqOf = opts.seqOf ?? defaultSeqOf;
  let last = opts.after ?? null;
  let socket: WebSocket | null = null;
  let retryMs = 500;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const setState = (s: LiveState) => opts.onState?.(s);
  const stop = () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    const s = socket;
    if (s !== null) {
      s.onmessage = null;
      s.onclose = null;
      // Closing a socket still connecting makes the browser log an error; let it open, then close it.
      if (s.readyState === WebSocket.CONNECTING) s.onopen = () => s.close(1000);
      else s.close(1000);
    }
    setState('closed');
  };

  const connect = () => {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const path = withQuery(opts.path, { ...opts.query, ...(last === null ? {} : { after: last }) });
    const ws = new WebSocket(`${scheme}//${window.location.host}${path}`, [`bearer.${opts.token}`]);
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      setState('open');
    };
    ws.onmessage = (m: MessageEvent<string>) => {
      let frame: unknown;
      try {
        frame = JSON.parse(m.data);
      } catch {
        return; // every frame the server sends is JSON; anything else is not ours to read
      }
      const f = frame as { type?: unknown; code?: unknown; message?: unknown; resume_after?: unknown };
      if (f.type === 'error') {
        opts.onRefused?.(String(f.code), String(f.message));
        stop();
        return;
      }
      if (f.type === 'close' && typeof f.resume_after === 'number') last = f.resume_after;
      const seq = seqOf(frame as F);
      if (seq !== null) last = seq;
      opts.onFrame(frame as F);
    };
    ws.onclose = (e: CloseEvent) => {
      if (stopped || socket !== ws) return;
      // 4400–4499: the server refused this stream (4404: no such record); retrying cannot help.
      if (e.code >= 4400 && e.code < 4500) {
        opts.onRefused?.(`http_${e.code - 4000}`, e.reason || `stream closed with code ${e.code}`);
        stop();
        return;
      }
      setState('reconnecting');
      timer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };

  setState('connecting');
  connect();
  return { close: stop };
}
