import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import type { EventFilter, EventRecord } from '../../domain/event.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { Store } from '../../engine/ports.js';
import type { AppDeps } from '../app.js';
import { sendFailure } from '../errors.js';
import { openWsEventFrames, refuseWs } from '../streams.js';
import { resumePoint } from './events.routes.js';

const READ: ActionSpec = { name: 'organs.read', adminOnly: true, capability: 'organs_builder' };

/** The event that carries every state change of an organ (data `{from, to, actor, reason?}`). */
export const STAGE_CHANGED = 'organ.stage_changed';

const Params = Type.Object({ id: Type.String({ minLength: 1 }) });
const StreamQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Resume point: send the stage changes with seq greater than this.',
      }),
    ),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

interface StageChange {
  readonly from?: unknown;
  readonly to?: unknown;
  readonly actor?: unknown;
  readonly reason?: unknown;
}

const stageFilter = (id: string): EventFilter => ({
  subjectKind: 'organ',
  subjectId: id,
  types: [STAGE_CHANGED],
});

const parse = (e: EventRecord): StageChange => {
  const d: unknown = JSON.parse(e.data);
  return d !== null && typeof d === 'object' ? d : {};
};

/** `{type: "stage_changed", id, state, seq, from, actor, ts, reason?}`: one organ.stage_changed event. */
export function stageFrame(e: EventRecord) {
  const d = parse(e);
  return {
    type: 'stage_changed' as const,
    id: e.subjectId,
    state: typeof d.to === 'string' ? d.to : null,
    seq: e.seq,
    from: typeof d.from === 'string' ? d.from : null,
    actor: typeof d.actor === 'string' ? d.actor : e.actor,
    ts: e.ts,
    ...(typeof d.reason === 'string' ? { reason: d.reason } : {}),
  };
}

/**
 * The organ's state as of seq `after`, so that the snapshot and the frames after it tell one story:
 * `current` (read before this) unless a stage change came after `after`, in which case the state it
 * changed from. Null when the organ did not exist yet at `after` (its first change has no `from`).
 */
async function stateAt(store: Store, id: string, after: number, current: string): Promise<string | null> {
  const [next] = await store.eventsAfter(after, 1, stageFilter(id));
  if (next === undefined) return current;
  const from = parse(next).from;
  return typeof from === 'string' ? from : null;
}

/**
 * `WS /organs/:id/stream`: one organ's stages live. First `{type: "snapshot", id, state, seq}`, the
 * organ's state as of `seq` (the resume point: what follows has greater seqs); then, for each
 * `organ.stage_changed` event of the organ, in seq order, no gap, no duplicate, `{type: "stage_changed",
 * id, state, seq, from, actor, ts, reason?}` with `state` the state it moved to. `?after=<seq>` resumes
 * (a client passes the seq of the last frame it saw). Heartbeats and the slow-consumer end (4008) are
 * those of every WebSocket stream; an unknown organ closes with 4404. Admin only.
 */
export const organStreamRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const url = '/organs/:id/stream';
    app.route({
      method: 'GET',
      url,
      schema: {
        tags: ['organs'],
        summary:
          "One organ's stages live (WebSocket only): a snapshot {id, state, seq}, then a frame at each stage change; resume with after; heartbeat.",
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
        // Taken before any await: changes committed while the organ is read are not missed.
        const after = resumePoint(req, deps.hub.head);
        const id = req.params.id;
        let state: string | null;
        try {
          const organ = await deps.store.organs.organ(id);
          if (organ === null) {
            refuseWs(socket, { code: 'not_found', reason: `no organ ${id}` });
            return;
          }
          state = await stateAt(deps.store, id, after, organ.state);
        } catch (e) {
          req.log.error({ err: e }, 'organ stream: reading the organ failed');
          socket.close(1011, 'read_failed');
          return;
        }
        if (socket.readyState !== socket.OPEN) return;
        openWsEventFrames(
          socket,
          { hub: deps.hub, heartbeatMs: deps.heartbeatMs, bufferLimitBytes: deps.streamBufferBytes },
          after,
          stageFilter(id),
          { type: 'snapshot', id, state, seq: after },
          stageFrame,
        );
      },
    });
  };
