import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toPublicEvent } from '../../domain/event.js';
import { AuditPage, AuditQuery, ChainReport } from '../../contract/operator.js';
import type { AppDeps } from '../app-deps.js';

const iso = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

export const auditRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/audit',
      {
        schema: {
          tags: ['operator'],
          summary: 'Query the audit trail (admin).',
          querystring: AuditQuery,
          response: { 200: AuditPage },
        },
        config: { action: { name: 'audit.read', adminOnly: true } },
      },
      async (req) => {
        const q = req.query;
        const limit = q.limit ?? 100;
        const from = iso(q.from);
        const to = iso(q.to);
        const rows = await deps.audit.query({
          after: q.after ?? 0,
          limit,
          ...(q.subject_kind === undefined ? {} : { subjectKind: q.subject_kind }),
          ...(q.subject_id === undefined ? {} : { subjectId: q.subject_id }),
          ...(q.actor === undefined ? {} : { actor: q.actor }),
          ...(q.type === undefined ? {} : { types: q.type.split(',').map((t) => t.trim()) }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        });
        return {
          events: rows.map(toPublicEvent),
          next_cursor: rows.length === limit ? rows[rows.length - 1]!.seq : null,
        };
      },
    );

    app.get(
      '/audit/verify',
      {
        schema: {
          tags: ['operator'],
          summary: 'Walk the hash chain and name the first row that does not link (admin).',
          response: { 200: ChainReport },
        },
        config: { action: { name: 'audit.verify', adminOnly: true } },
      },
      async () => {
        const r = await deps.audit.verify();
        return {
          ok: r.ok,
          checked: r.checked,
          head_seq: r.headSeq,
          first_break: r.firstBreak,
          unsealed: { count: r.unsealed.count, oldest_ts: r.unsealed.oldestTs, stale: r.unsealed.stale },
        };
      },
    );
  };
