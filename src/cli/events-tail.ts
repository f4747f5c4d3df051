import type { PublicEvent } from '../domain/event.js';
import { recentEvents } from './event-history.js';
import { CliError, clientHeaders, type Client } from './http-client.js';

export interface EventQuery {
  readonly after?: number;
  readonly subjectKind?: string;
  readonly subjectId?: string;
  readonly type?: string;
}

export interface FollowHandlers {
  /**
   * The stream is open and the server already delivers everything after `after` (its resume point), so
   * state read now is never older than the events still to come. Return true to stop.
   */
  readonly onOpen?: (after: number, reconnect: boolean) => Promise<boolean | void> | boolean | void;
  /** One event, in seq order, never twice. Return true to stop. */
  readonly onEvent: (e: PublicEvent) => Promise<boolean | void> | boolean | void;
  readonly note: (line: string) => void;
}

/**
 * Follows `GET /events` (Server-Sent Events) until a handler says stop. On a dropped or closed stream it
 * reconnects from the last seq it handed over (before the first event: from where the server opened the
 * first stream), so no event is skipped or handed over twice. Errors from handlers end it.
 */
export async function followEvents(c: Client, q: EventQuery, h: FollowHandlers): Promise<void> {
  let last: number | undefined = q.after;
  let backoff = 250;
  for (let attempt = 0; ; attempt += 1) {
    const params = new URLSearchParams();
    if (last !== undefined) params.set('after', String(last));
    if (q.subjectKind !== undefined) params.set('subject_kind', q.subjectKind);
    if (q.subjectId !== undefined) params.set('subject_id', q.subjectId);
    if (q.type !== undefined) params.set('type', q.type);
    const abort = new AbortController();
    try {
      let res: Response;
      try {
        res = await fetch(`${c.url}/events?${params.toString()}`, {
          headers: { ...clientHeaders(c, false), accept: 'text/event-stream' },
          signal: abort.signal,
        });
      } catch (e) {
        h.note(`stream unreachable (${(e as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      if (!res.ok || res.body === null) {
        const body = (await res.json().catch(() => ({}))) as {
          code?: string;
          reason?: string;
          message?: string;
        };
        throw new CliError(body.code ?? `http_${res.status}`, body.reason ?? body.message ?? res.statusText);
      }
      backoff = 250;
      const decoder = new TextDecoder();
      let buffer = '';
      let opened = false;
      let inHandler = false;
      try {
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            if (!opened) {
              // The first frame names the resume point: `: stream open after=<seq> head=<seq>`.
              const m = /^: stream open after=(\d+)/m.exec(frame);
              if (m === null) continue;
              opened = true;
              last ??= Number(m[1]);
              inHandler = true;
              if ((await h.onOpen?.(last, attempt > 0)) === true) return;
              inHandler = false;
              continue;
            }
            const fields = parseFrame(frame);
            if (fields.event === 'fabrica.close') {
              h.note(`server closed the stream (${fields.data ?? ''}); resuming`);
              continue;
            }
            if (fields.id === undefined || fields.data === undefined) continue;
            const e = JSON.parse(fields.data) as PublicEvent;
            last = e.seq;
            inHandler = true;
            if ((await h.onEvent(e)) === true) return;
            inHandler = false;
          }
        }
      } catch (e) {
        // A handler's failure ends the follow; only the stream's own failures are resumed from.
        if (inHandler) throw e;
        h.note(`stream interrupted (${(e as Error).message}); resuming after ${last ?? 'now'}`);
      }
    } finally {
      abort.abort();
    }
  }
}

export interface TailOptions extends EventQuery {
  /** Stop after this many new events (history shown first does not count). */
  readonly count?: number;
  /** Show this many recent matching events first (from the audit trail; needs an admin token). */
  readonly last?: number;
  readonly json: boolean;
  readonly out: (line: string) => void;
  readonly note: (line: string) => void;
}

const eventLine = (e: PublicEvent, json: boolean): string =>
  json ? JSON.stringify(e) : `${e.seq}  ${e.ts}  ${e.type}  ${e.subject_kind}/${e.subject_id}  ${e.actor}`;

/**
 * `fabrica events tail`: says where it follows from (`following events after seq N (Ctrl-C to stop)`;
 * on stderr with `--json`, so stdout stays JSON lines), shows the last `last` matching events up to
 * there, then prints events as they come; resumes by itself after a disconnect.
 */
export async function tailEvents(c: Client, o: TailOptions): Promise<void> {
  let printed = 0;
  await followEvents(c, o, {
    note: o.note,
    onOpen: async (after, reconnect) => {
      if (reconnect) return false;
      const header = `following events after seq ${after} (Ctrl-C to stop)`;
      if (o.json) o.note(header);
      else o.out(header);
      if (o.last === undefined || o.last === 0 || after === 0) return false;
      try {
        for (const e of await recentEvents(c, o, after, o.last)) o.out(eventLine(e, o.json));
      } catch (e) {
        if (!(e instanceof CliError) || (e.code !== 'forbidden' && e.code !== 'unauthorized')) throw e;
        o.note(`recent events are read from the audit trail, which needs an admin token (${e.message})`);
      }
      return false;
    },
    onEvent: (e) => {
      o.out(eventLine(e, o.json));
      printed += 1;
      return o.count !== undefined && printed >= o.count;
    },
  });
}

function parseFrame(frame: string): { id?: string; event?: string; data?: string } {
  const out: { id?: string; event?: string; data?: string } = {};
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i);
    const value = line.slice(i + 1).replace(/^ /, '');
    if (key === 'id') out.id = value;
    else if (key === 'event') out.event = value;
    else if (key === 'data') out.data = out.data === undefined ? value : `${out.data}\n${value}`;
  }
  return out;
}
