import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readScope, writeScope, type ActionSpec } from '../../domain/policy.js';
import { runView, statusView } from '../../engine/runs/run-views.js';
import { advance } from '../../engine/runs/run-lifecycle.js';
import { StartBody } from '../../contract/supervision.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure } from '../errors.js';
import { callerOf, sendData } from '../llm-envelope.js';
import { Envelope } from '../../contract/common.js';
import {
  AdvanceResult,
  CancelBody,
  CancelledRun,
  CreateRunBody,
  ReviewBundle,
  Run,
  RunListPage,
  RunListQuery,
  RunParams,
  RunStatusView,
  StartResult,
  type AdvanceResult as Advanced,
  type StartResult as Started,
} from '../../contract/runs.js';

export const RUN_READ: ActionSpec = { name: 'runs.read', access: 'read' };
export const RUN_WRITE: ActionSpec = { name: 'runs.write', access: 'edit', write: true };

const tags = ['llm factory'];

/** Runs: create, list, read, status, start (supervise), advance, cancel. */
export const runsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { runs, access } = deps;

    app.get(
      '/llm/factory/runs',
      {
        schema: { tags, querystring: RunListQuery, response: { 200: RunListPage } },
        config: { action: RUN_READ },
      },
      async (req) => {
        const limit = req.query.limit ?? 50;
        const tenant = readScope(req.principal!, req.query.tenant);
        const rows = await runs.list({
          limit,
          ...(tenant === undefined ? {} : { tenant }),
          ...(req.query.status === undefined ? {} : { status: req.query.status }),
          ...(req.query.after === undefined ? {} : { after: req.query.after }),
        });
        return {
          success: true as const,
          data: rows.map((r) => runView(r)),
          next_cursor: rows.length === limit ? rows.at(-1)!.id : null,
        };
      },
    );

    app.post(
      '/llm/factory/runs',
      {
        schema: {
          tags,
          summary: 'Start a new factory run.',
          body: CreateRunBody,
          response: { 201: Envelope(Run) },
        },
        config: { action: RUN_WRITE },
      },
      async (req, reply) => {
        const p = req.principal!;
        const b = req.body;
        if (b.source.content.trim() === '') {
          return sendFailure(req, reply, {
            code: 'invalid_request',
            reason: 'source.content must not be empty',
            details: { field: 'body.source.content' },
          });
        }
        const scope = writeScope(p, b.tenant);
        if (!scope.ok) return sendFailure(req, reply, scope.error);
        const agg = await runs.create(
          {
            tenant: scope.tenant,
            source: { kind: b.source.kind, format: b.source.format ?? 'text', content: b.source.content },
            ...(b.title === undefined ? {} : { title: b.title }),
            ...(b.workflow_kind === undefined ? {} : { workflowKind: b.workflow_kind }),
            ...(b.subject_type === undefined ? {} : { subjectType: b.subject_type }),
            ...(b.subject_id === undefined ? {} : { subjectId: b.subject_id }),
            ...(b.auto_advance === undefined ? {} : { autoAdvance: b.auto_advance }),
          },
          p,
        );
        return reply.code(201).send({ success: true, data: runView(agg.run, agg) });
      },
    );

    app.get(
      '/llm/factory/runs/:id',
      { schema: { tags, params: RunParams, response: { 200: Envelope(Run) } }, config: { action: RUN_READ } },
      async (req, reply) =>
        sendData(req, reply, await runs.get(req.params.id, callerOf(req, access)), (agg) =>
          runView(agg.run, agg),
        ),
    );

    app.get(
      '/llm/factory/runs/:id/status',
      {
        schema: {
          tags,
          summary: 'Aggregate run status.',
          params: RunParams,
          response: { 200: Envelope(RunStatusView) },
        },
        config: { action: RUN_READ },
      },
      async (req, reply) =>
        sendData(req, reply, await runs.get(req.params.id, callerOf(req, access)), statusView),
    );

    app.post(
      '/llm/factory/runs/:id/start',
      {
        schema: {
          tags,
          summary: 'Hand the run to the supervisor (settings optional) and take the first steps.',
          params: RunParams,
          body: StartBody,
          response: { 200: Envelope(StartResult) },
        },
        config: { action: RUN_WRITE },
      },
      async (req, reply) => {
        const b = (req.body as StartBody | undefined) ?? {};
        const r = await deps.supervisor.start(req.params.id, callerOf(req, access), {
          ...(b.room_id === undefined ? {} : { roomId: b.room_id }),
          ...(b.max_attempts === undefined ? {} : { maxAttempts: b.max_attempts }),
          ...(b.max_verification_rounds === undefined
            ? {}
            : { maxVerificationRounds: b.max_verification_rounds }),
          ...(b.prompt_template === undefined ? {} : { promptTemplate: b.prompt_template }),
        });
        return sendData(req, reply, r, (v): Started => ({
          run_id: v.runId,
          status: v.status,
          completed: v.status === 'completed',
          failed: v.status === 'failed',
          actions: v.actions,
        }));
      },
    );

    app.post(
      '/llm/factory/runs/:id/advance',
      {
        schema: {
          tags,
          summary: 'Advance the run state machine one step.',
          params: RunParams,
          response: { 200: Envelope(AdvanceResult) },
        },
        config: { action: RUN_WRITE },
      },
      async (req, reply) => {
        const r = await runs.change(req.params.id, callerOf(req, access), advance, { needsOpenRun: true });
        return sendData(req, reply, r, (v): Advanced =>
          v.advanced
            ? {
                advanced: true,
                from: v.from,
                status: v.status,
                blockers: [],
                waiting_on: [],
                next_actions: [],
              }
            : {
                advanced: false,
                status: v.status,
                blockers: v.blockers,
                waiting_on: v.waitingOn,
                next_actions: v.nextActions,
              },
        );
      },
    );

    app.post(
      '/llm/factory/runs/:id/cancel',
      {
        schema: { tags, params: RunParams, body: CancelBody, response: { 200: Envelope(CancelledRun) } },
        config: { action: RUN_WRITE },
      },
      async (req, reply) => {
        // Its queued and leased assignments are withdrawn in the same transaction.
        const r = await deps.supervisor.cancel(
          req.params.id,
          callerOf(req, access),
          req.body?.reason ?? null,
        );
        // `reason` is the name the abbot client reads; `cancel_reason` the one the run view carries.
        return sendData(req, reply, r, (run) => ({ ...runView(run), reason: run.cancelReason }));
      },
    );

    app.get(
      '/llm/factory/runs/:id/review',
      {
        schema: {
          tags,
          summary: 'The latest review bundle.',
          params: RunParams,
          response: { 200: Envelope(ReviewBundle) },
        },
        config: { action: RUN_READ },
      },
      async (req, reply) =>
        sendData(req, reply, await runs.review(req.params.id, callerOf(req, access)), (r) => r.bundle),
    );
  };
