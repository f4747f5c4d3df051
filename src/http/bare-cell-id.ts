import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Result } from '../domain/errors.js';
import { sendFailure } from './errors.js';

/**
 * A preHandler for the routes under `/factory/cells/:id` (and `/factory/nodes/:id`): the `:id` a client
 * sent is resolved by the one rule (`resolveCellId`) before the route runs, so a bare template id works
 * wherever a full cell id does. It runs after authorization, so it tells nothing to a caller who may
 * not read cells.
 */
export const bareCellIdHook =
  (resolve: (ref: string) => Promise<Result<string>>) =>
  async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const params = req.params as { id?: string };
    if (params.id === undefined) return;
    // A full id needs no lookup: only a bare one asks the store.
    if (params.id.includes(':')) return;
    const r = await resolve(params.id);
    if (!r.ok) {
      await sendFailure(req, reply, r.error);
      return;
    }
    params.id = r.value;
  };
