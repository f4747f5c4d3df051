import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readScope, writeScope, type ActionSpec } from '../../domain/policy.js';
import { LEASE_MS } from '../../domain/runs/assignments.js';
import {
  claimedView,
  dispatchedView,
  renewedView,
  resultView,
  roomView,
} from '../../engine/runs/assignment-views.js';
import { issueView } from '../../engine/runs/run-views.js';
import { artifactInput, checkpointInput } from './record-inputs.js';
import type { AppDeps } from '../app-deps.js';
import { readRoomInput } from '../../domain/runs/room-input.js';
import { sendFailure } from '../errors.js';
import { callerOf, sendData } from '../llm-envelope.js';
import {
  CreateRoomBody,
  DispatchBody,
  DispatchParams,
  InboxItemParams,
  InboxQuery,
  RenewBody,
  ResultBody,
  RoomListQuery,
  RoomParams,
  Room,
  RoomPage,
  Dispatched,
  Claimed,
  ResultAnswer,
  Renewed,
  type ResultAnswer as Reported,
} from '../../contract/rooms.js';
import { Envelope, Nullable } from '../../contract/common.js';

/** Dispatch is authoring: root-only like the other authoring routes (README, "API overview"). */
export const RUN_DISPATCH: ActionSpec = { name: 'runs.dispatch', access: 'root', write: true };
export const ROOM_READ: ActionSpec = { name: 'rooms.read', access: 'read' };
export const ROOM_WRITE: ActionSpec = { name: 'rooms.write', access: 'edit', write: true };
/** Reading the inbox claims work (a write); workers hold edit tokens. */
export const ROOM_CLAIM: ActionSpec = { name: 'rooms.claim', access: 'edit', write: true };
export const ROOM_RESULT: ActionSpec = { name: 'rooms.result', access: 'edit', write: true };
export const ROOM_RENEW: ActionSpec = { name: 'rooms.renew', access: 'edit', write: true };

const tags = ['llm rooms'];

/** Rooms, dispatch of issue prompts into them, and the leased inbox workers pull from. */
export const roomsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { rooms, dispatch, access } = deps;

    // The abbot client calls the singular `/llm/room…`: an alias of every room route, kept out of the
    // OpenAPI document so each operation is listed once.
    for (const prefix of ['/llm/rooms', '/llm/room']) {
      const hide = prefix === '/llm/room' ? { hide: true } : {};

      app.post(
        prefix,
        {
          schema: {
            tags,
            ...hide,
            summary: 'Create a room.',
            body: CreateRoomBody,
            response: { 201: Envelope(Room) },
          },
          config: { action: ROOM_WRITE },
        },
        async (req, reply) => {
          const p = req.principal!;
          const b = req.body;
          const input = readRoomInput(b);
          if (!input.ok) return sendFailure(req, reply, input.error);
          const scope = writeScope(p, b.tenant);
          if (!scope.ok) return sendFailure(req, reply, scope.error);
          const room = await rooms.create({ tenant: scope.tenant, ...input.value }, p);
          return reply.code(201).send({ success: true, data: roomView(room) });
        },
      );

      app.get(
        prefix,
        {
          schema: {
            tags,
            ...hide,
            summary: 'List visible rooms, oldest first.',
            querystring: RoomListQuery,
            response: { 200: RoomPage },
          },
          config: { action: ROOM_READ },
        },
        async (req) => {
          const limit = req.query.limit ?? 100;
          const tenant = readScope(req.principal!, req.query.tenant);
          // One more than asked tells whether another page exists.
          const rows = await rooms.list({
            limit: limit + 1,
            ...(tenant === undefined ? {} : { tenant }),
            ...(req.query.after === undefined ? {} : { after: req.query.after }),
          });
          const items = rows.slice(0, limit);
          return {
            success: true as const,
            data: items.map(roomView),
            next_cursor: rows.length > limit ? items.at(-1)!.id : null,
          };
        },
      );

      app.get(
        `${prefix}/:id`,
        {
          schema: { tags, ...hide, params: RoomParams, response: { 200: Envelope(Room) } },
          config: { action: ROOM_READ },
        },
        async (req, reply) =>
          sendData(req, reply, await rooms.get(req.params.id, callerOf(req, access)), roomView),
      );

      app.post(
        `${prefix}/:id/close`,
        {
          schema: {
            tags,
            ...hide,
            summary: 'Close a room: nothing more is dispatched to it; queued work stays claimable.',
            params: RoomParams,
            response: { 200: Envelope(Room) },
          },
          config: { action: ROOM_WRITE },
        },
        async (req, reply) =>
          sendData(
            req,
            reply,
            await rooms.close(req.params.id, callerOf(req, access), req.principal!),
            roomView,
          ),
      );

      app.get(
        `${prefix}/:id/inbox`,
        {
          schema: {
            tags,
            ...hide,
            summary: 'Claim the oldest waiting assignment under a lease; data is null when nothing waits.',
            params: RoomParams,
            querystring: InboxQuery,
            response: { 200: Envelope(Nullable(Claimed)) },
          },
          config: { action: ROOM_CLAIM },
        },
        async (req, reply) => {
          const r = await dispatch.claim(
            req.params.id,
            req.query.lease_ms ?? LEASE_MS.default,
            callerOf(req, access),
          );
          return sendData(req, reply, r, (a) => (a === null ? null : claimedView(a)));
        },
      );

      app.post(
        `${prefix}/:id/inbox/:assignment_id/renew`,
        {
          schema: {
            tags,
            ...hide,
            summary:
              'Renew the lease of a claimed assignment (same token, lease_ms from now); 409 lease_lost when it is no longer yours.',
            params: InboxItemParams,
            body: RenewBody,
            response: { 200: Envelope(Renewed) },
          },
          config: { action: ROOM_RENEW },
        },
        async (req, reply) => {
          const r = await dispatch.renew(
            req.params.id,
            req.params.assignment_id,
            { leaseToken: req.body.lease_token, leaseMs: req.body.lease_ms ?? LEASE_MS.default },
            callerOf(req, access),
          );
          return sendData(req, reply, r, renewedView);
        },
      );

      app.post(
        `${prefix}/:id/inbox/:assignment_id/result`,
        {
          schema: {
            tags,
            ...hide,
            summary: 'Post the result of a claimed assignment under its current lease.',
            params: InboxItemParams,
            body: ResultBody,
            response: { 200: Envelope(ResultAnswer) },
          },
          config: { action: ROOM_RESULT },
        },
        async (req, reply) => {
          const b = req.body;
          const r = await dispatch.report(
            req.params.id,
            req.params.assignment_id,
            {
              leaseToken: b.lease_token,
              status: b.status,
              ...(b.summary === undefined ? {} : { summary: b.summary }),
              ...(b.notes === undefined ? {} : { notes: b.notes }),
              ...(b.artifacts === undefined ? {} : { artifacts: b.artifacts.map(artifactInput) }),
              ...(b.checkpoint === undefined ? {} : { checkpoint: checkpointInput(b.checkpoint) }),
            },
            callerOf(req, access),
          );
          return sendData(req, reply, r, (v): Reported => ({
            ...resultView(v.assignment),
            issue: v.issue === null ? null : issueView(v.issue),
          }));
        },
      );
    }

    app.post(
      '/llm/factory/runs/:id/issues/:issue_id/dispatch',
      {
        schema: {
          tags: ['llm factory'],
          summary:
            "Dispatch an issue: queue the caller's prompt in a room (the tenant's oldest when none is named).",
          params: DispatchParams,
          body: DispatchBody,
          response: { 201: Envelope(Dispatched) },
        },
        config: { action: RUN_DISPATCH },
      },
      async (req, reply) => {
        const b = req.body;
        if (b.prompt.trim() === '')
          return sendFailure(req, reply, {
            code: 'invalid_request',
            reason: 'body.prompt must not be blank',
            details: { field: 'body.prompt' },
          });
        const r = await dispatch.dispatch(
          req.params.id,
          req.params.issue_id,
          { prompt: b.prompt, ...(b.room_id === undefined ? {} : { roomId: b.room_id }) },
          callerOf(req, access),
        );
        return sendData(req, reply, r, dispatchedView, 201);
      },
    );
  };
