import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import type { EventFilter, EventRecord } from '../../domain/event.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { Store } from '../../engine/ports.js';
import type { AppDeps } from '../app.js';
import { openWsEventFrames } from '../streams.js';
import { openSubjectStream, webSocketOnly } from '../ws-subject.js';
import { guardOf } from '../token-watch.js';

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
      handler: webSocketOnly(url),
      wsHandler: async (socket: WebSocket, req) => {
        const id = req.params.id;
        const opened = await openSubjectStream(socket, req, deps, 'organ', async (after) => {
          const organ = await deps.store.organs.organ(id);
          return organ === null ? null : { state: await stateAt(deps.store, id, after, organ.state) };
        });
        if (opened === null) return;
        const { after } = opened;
        openWsEventFrames(
          socket,
          {
            hub: deps.hub,
            heartbeatMs: deps.heartbeatMs,
            bufferLimitBytes: deps.streamBufferBytes,
            guard: guardOf(deps.access, req),
          },
          after,
          stageFilter(id),
          { type: 'snapshot', id, state: opened.value.state, seq: after },
          stageFrame,
        );
      },
    });
  };
