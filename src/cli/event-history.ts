import type { AuditPage } from '../contract/operator.js';
import type { PublicEvent } from '../domain/event.js';
import { call, type Client } from './http-client.js';
import type { EventQuery } from './events-tail.js';

/**
 * The last `n` events with seq ≤ `head` that match the query, oldest first, read from the audit trail
 * (`GET /audit`, admin): windows back from the head, doubled until `n` are found or the log's start.
 * Each window is read forwards in pages, so a window is never more than the log between it and head.
 */
export async function recentEvents(
  c: Client,
  q: EventQuery,
  head: number,
  n: number,
): Promise<PublicEvent[]> {
  let window = Math.max(100, n * 10);
  for (;;) {
    const start = Math.max(0, head - window);
    const found: PublicEvent[] = [];
    let after = start;
    while (after < head) {
      const params = new URLSearchParams({ after: String(after), limit: '1000' });
      if (q.subjectKind !== undefined) params.set('subject_kind', q.subjectKind);
      if (q.subjectId !== undefined) params.set('subject_id', q.subjectId);
      if (q.type !== undefined) params.set('type', q.type);
      const page = await call<AuditPage>(c, 'GET', `/audit?${params.toString()}`);
      for (const e of page.events) if (e.seq <= head) found.push(e);
      if (page.next_cursor === null || page.next_cursor <= after) break;
      after = page.next_cursor;
    }
    if (found.length >= n || start === 0) return found.slice(-n);
    window *= 2;
  }
}
