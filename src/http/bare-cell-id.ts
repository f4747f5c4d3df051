import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CellsReads } from '../engine/cells/cell-ports.js';
import { resolveCellId } from '../engine/cells/cell-id-resolver.js';
import { sendFailure } from './errors.js';

/**
 * A preHandler for the routes under `/factory/cells/:id` (and `/factory/nodes/:id`): the `:id` a client
 * sent is resolved by the one rule (`resolveCellId`) before the route runs, so a bare template id works
 * wherever a full cell id does. It runs after authorization, so it tells nothing to a caller who may
 * not read cells.
 */
export const bareCellIdHook =
  (reads: Pick<CellsReads, 'cellsForTemplate'>) =>
  async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const params = req.params as { id?: string };
    if (params.id === undefined) return;
    const r = await resolveCellId(reads, params.id);
    if (!r.ok) {
      await sendFailure(req, reply, r.error);
      return;
    }
    params.id = r.value;
  };
