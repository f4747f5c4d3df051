import type { PublicEvent } from '../domain/event.js';
import { CliError, clientHeaders, type Client } from './http-client.js';

export interface TailOptions {
  readonly after?: number;
  readonly subjectKind?: string;
  readonly subjectId?: string;
  readonly type?: string;
  readonly count?: number;
  readonly json: boolean;
  readonly out: (line: string) => void;
  readonly note: (line: string) => void;
}

/**
 * Follows `GET /events` (Server-Sent Events). On a dropped or closed stream it reconnects from the last
 * seq it printed, so no event is skipped or printed twice.
 */
export async function tailEvents(c: Client, o: TailOptions): Promise<void> {
  let last: number | undefined = o.after;
  let printed = 0;
  let backoff = 250;
  for (;;) {
    const q = new URLSearchParams();
    if (last !== undefined) q.set('after', String(last));
    if (o.subjectKind !== undefined) q.set('subject_kind', o.subjectKind);
    if (o.subjectId !== undefined) q.set('subject_id', o.subjectId);
    if (o.type !== undefined) q.set('type', o.type);
    let res: Response;
    try {
      res = await fetch(`${c.url}/events?${q.toString()}`, {
        headers: { ...clientHeaders(c, false), accept: 'text/event-stream' },
      });
    } catch (e) {
      o.note(`stream unreachable (${(e as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 5000);
      continue;
    }
    if (!res.ok || res.body === null) {
      const body = (await res.json().catch(() => ({}))) as { code?: string; reason?: string };
      throw new CliError(body.code ?? `http_${res.status}`, body.reason ?? res.statusText);
    }
    backoff = 250;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = parseFrame(frame);
          if (fields.event === 'fabrica.close') {
            o.note(`server closed the stream (${fields.data ?? ''}); resuming`);
            continue;
          }
          if (fields.id === undefined || fields.data === undefined) continue;
          const e = JSON.parse(fields.data) as PublicEvent;
          last = e.seq;
          o.out(
            o.json
              ? JSON.stringify(e)
              : `${e.seq}  ${e.ts}  ${e.type}  ${e.subject_kind}/${e.subject_id}  ${e.actor}`,
          );
          printed += 1;
          if (o.count !== undefined && printed >= o.count) return;
        }
      }
    } catch (e) {
      o.note(`stream interrupted (${(e as Error).message}); resuming after ${last ?? 'now'}`);
    }
  }
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
