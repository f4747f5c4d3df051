import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app.js';
import { openCellStream } from '../cell-stream.js';
import { cellView } from '../cell-view.js';
import { sendFailure } from '../errors.js';
import { refuseWs } from '../streams.js';
import { resumePoint } from './events.routes.js';

const READ: ActionSpec = { name: 'factory.cells.read', adminOnly: true };

const Params = Type.Object({ id: Type.String({ minLength: 1 }) });
const StreamQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Deliver events with seq greater than this (resume point).' }),
    ),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * `WS /factory/cells/:id/stream` (and the deprecated alias under `/factory/nodes`): one cell's snapshot,
 * then each of its events followed by a fresh snapshot; `?after=<seq>` resumes. Admin only.
 */
export const factoryCellStreamRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    for (const prefix of ['/factory/cells', '/factory/nodes']) {
      const url = `${prefix}/:id/stream`;
      app.route({
        method: 'GET',
        url,
        schema: {
          tags: ['factory'],
          ...(prefix === '/factory/nodes' ? { hide: true } : {}),
          summary:
            'One cell live (WebSocket only): a snapshot, then each event of the cell followed by a fresh snapshot; heartbeat.',
          params: Params,
          querystring: StreamQuery,
        },
        config: { action: READ },
        handler: (req, reply) =>
          sendFailure(req, reply, {
            code: 'invalid_request',
            reason: `${url} is a WebSocket endpoint: connect with Upgrade: websocket`,
          }),
        wsHandler: async (socket: WebSocket, req) => {
          if (deps.lifecycle.shuttingDown) {
            socket.close(1001, 'shutting_down');
            return;
          }
          // Taken before any await: events committed while the cell is read are not missed.
          const after = resumePoint(req, deps.hub.head);
          const id = req.params.id;
          let agg;
          try {
            agg = await deps.store.cells.cell(id);
          } catch (e) {
            req.log.error({ err: e }, 'cell stream: reading the cell failed');
            socket.close(1011, 'read_failed');
            return;
          }
          if (agg === null) {
            refuseWs(socket, { code: 'not_found', reason: `no cell ${id}` });
            return;
          }
          if (socket.readyState !== socket.OPEN) return;
          openCellStream(
            socket,
            {
              hub: deps.hub,
              heartbeatMs: deps.heartbeatMs,
              bufferLimitBytes: deps.streamBufferBytes,
              snapshot: async () => {
                const now = await deps.store.cells.cell(id);
                return now === null ? null : cellView(now, deps.cellInvoker);
              },
              onError: (e) => req.log.error({ err: e }, 'cell stream: snapshot read failed'),
            },
            after,
            id,
            cellView(agg, deps.cellInvoker),
          );
        },
      });
    }
  };
