import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import { WebSocketUpgrade } from '../../contract/common.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { guardOf } from '../streams/token-watch.js';
import { bareCellIdHook } from '../bare-cell-id.js';
import { openCellStream } from '../streams/cell-stream.js';
import { cellView } from '../presenters/cells.js';
import { openSubjectStream, webSocketOnly } from '../streams/ws-subject.js';

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
          response: {
            101: WebSocketUpgrade(
              'JSON text frames: `{type: "snapshot", seq, cell: Cell}` first, then for each event of the cell `{type: "event", seq, ts, event_type, actor, data}` followed by a fresh snapshot.',
            ),
          },
        },
        config: { action: READ },
        preHandler: bareCellIdHook((ref) => deps.cells.resolveId(ref)),
        handler: webSocketOnly(url),
        wsHandler: async (socket: WebSocket, req) => {
          const id = req.params.id;
          const opened = await openSubjectStream(socket, req, deps, 'cell', () => deps.cells.get(id));
          if (opened === null) return;
          openCellStream(
            socket,
            {
              hub: deps.hub,
              guard: guardOf(deps.access, req),
              heartbeatMs: deps.heartbeatMs,
              bufferLimitBytes: deps.streamBufferBytes,
              snapshot: async () => {
                const now = await deps.cells.get(id);
                return now === null ? null : cellView(now, deps.cellInvoker);
              },
              onError: (e) => req.log.error({ err: e }, 'cell stream: snapshot read failed'),
            },
            opened.after,
            id,
            cellView(opened.value, deps.cellInvoker),
          );
        },
      });
    }
  };
