import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import { OrganParams, OrganStreamQuery, type OrganSnapshotFrame } from '../../contract/organs.js';
import { WebSocketUpgrade } from '../../contract/common.js';
import type { ActionSpec } from '../../domain/policy.js';
import { stageChanges } from '../../engine/organs/organ-service.js';
import type { AppDeps } from '../app-deps.js';
import { guardOf } from '../streams/token-watch.js';
import { openWsEventFrames } from '../streams/streams.js';
import { openSubjectStream, webSocketOnly } from '../streams/ws-subject.js';
import { stageFrame } from '../presenters/organs.js';

const READ: ActionSpec = { name: 'organs.read', adminOnly: true, capability: 'organs_builder' };

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
        params: OrganParams,
        querystring: OrganStreamQuery,
        // Over plain HTTP the route only refuses (it is a WebSocket endpoint).
        response: {
          101: WebSocketUpgrade(
            "JSON text frames: a `snapshot` of the organ's state as of `seq`, then each `stage_changed` frame.",
          ),
        },
      },
      config: { action: READ },
      handler: (req, reply) => {
        webSocketOnly(url)(req, reply);
      },
      wsHandler: async (socket: WebSocket, req) => {
        const id = req.params.id;
        const opened = await openSubjectStream(socket, req, deps, 'organ', (after) =>
          deps.organs.stateAt(id, after),
        );
        if (opened === null) return;
        const { after } = opened;
        const snapshot: OrganSnapshotFrame = { type: 'snapshot', id, state: opened.value.state, seq: after };
        openWsEventFrames(
          socket,
          {
            hub: deps.hub,
            heartbeatMs: deps.heartbeatMs,
            bufferLimitBytes: deps.streamBufferBytes,
            guard: guardOf(deps.access, req),
          },
          after,
          stageChanges(id),
          snapshot,
          stageFrame,
        );
      },
    });
  };
