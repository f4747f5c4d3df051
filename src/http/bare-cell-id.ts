import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Result } from '../domain/errors.js';
import { sendFailure } from './errors.js';

/**
 * A preHandler for the routes under `/factory/cells/:id` (and `/factory/nodes/:id`): the `:id` a client
 * sent is resolved by the one rule (`cell-id-resolver.ts`) before the route runs, so a bare template id
 * works wherever a full cell id does. It runs after authorization, so it tells nothing to a caller who
 * may not read cells. A full id (the hot path of every call) passes without a lookup or a promise.
 */
export const bareCellIdHook =
  (resolve: (ref: string) => Promise<Result<string>>) =>
  (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const params = req.params as { id?: string };
    if (params.id === undefined || params.id.includes(':')) return done();
    resolve(params.id).then(
      (r) => {
        if (r.ok) {
          params.id = r.value;
          done();
        } else void sendFailure(req, reply, r.error);
      },
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
    );
  };
