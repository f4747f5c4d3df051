import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Failure, Result } from '../domain/errors.js';
import type { ActionSpec } from '../domain/policy.js';
import type { AccessService } from '../engine/access/access-service.js';
import type { Caller } from '../engine/runs/run-service.js';
import { sendFailure } from './errors.js';

/** The LLM factory family answers `{success: true, data}`; errors go through the one mapper in its shape. */
export function sendData<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  result: Result<T>,
  present: (v: T) => unknown,
  status = 200,
  extra: Record<string, unknown> = {},
): FastifyReply {
  if (!result.ok) return sendFailure(req, reply, result.error);
  return reply.code(status).send({ success: true, data: present(result.value), ...extra });
}

/** The caller with its tenant check: the same policy decision as the route's, applied to the run's tenant. */
export function callerOf(req: FastifyRequest, access: AccessService): Caller {
  const action = req.routeOptions.config.action as ActionSpec;
  const principal = req.principal!;
  return {
    principal,
    guard: (tenant): Failure | null => {
      const d = access.decide(principal, action, { tenant });
      return d.allow ? null : d;
    },
  };
}

/** Cursor pagination over records already in memory, ordered by id. */
export function page<T extends { id: string }>(
  items: readonly T[],
  after: string | undefined,
  limit: number,
) {
  const start = after === undefined ? 0 : items.findIndex((x) => x.id > after);
  const slice = start < 0 ? [] : items.slice(start, start + limit);
  const more = start >= 0 && start + limit < items.length;
  return { items: slice, nextCursor: more ? slice[slice.length - 1]!.id : null };
}
