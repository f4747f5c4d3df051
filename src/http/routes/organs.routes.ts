import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BuildBody,
  BuiltSchema,
  DryRunSchema,
  InvokeBody,
  InvokedSchema,
  OrganListQuery,
  OrganMovedSchema,
  OrganPageSchema,
  OrganParams,
  OrganStatsAnswer,
  OrganStatsQuery,
  OrganViewSchema,
  SetStateBody,
  StoppedSchema,
} from '../../contract/organs.js';
import { actorOf } from '../../domain/access.js';
import { parseOrganTemplate } from '../../domain/organs/organ-template.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure, sendResult } from '../errors.js';
import { statsRange } from '../stats-range.js';
import { figuresOf } from '../../domain/rollouts/judge.js';
import { dryRunView, organMoved, organPage, organView } from '../presenters/organs.js';

const READ: ActionSpec = { name: 'organs.read', adminOnly: true, capability: 'organs_builder' };
const BUILD: ActionSpec = {
  name: 'organs.build',
  adminOnly: true,
  write: true,
  capability: 'organs_builder',
};
const INVOKE: ActionSpec = { name: 'organs.invoke', adminOnly: true, capability: 'organs_builder' };
const tags = ['organs'];
/** Every refusal and fault answers `{code, reason, …, request_id}`. */

/** The organ builder (gate `organs_builder`): validate, call the organ service, present from the contract. */
export const organsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { organs } = deps;

    app.post(
      '/organs/build',
      {
        schema: {
          tags,
          summary: 'Build an organ from a template (or dry-run it).',
          body: BuildBody,
          response: { 200: DryRunSchema, 201: BuiltSchema },
        },
        config: { action: BUILD },
      },
      async (req, reply) => {
        if (req.body.organ_template === undefined) {
          return sendFailure(req, reply, {
            code: 'invalid_request',
            reason: 'body.organ_template is required',
            details: { field: 'body.organ_template' },
          });
        }
        const parsed = parseOrganTemplate(req.body.organ_template);
        if (!parsed.ok) return sendFailure(req, reply, parsed.error);
        // Bare template ids in the cell lists resolve by the same rule as on the cell routes.
        const t = await deps.cells.resolveOrganCells(parsed.value);
        if (!t.ok) return sendFailure(req, reply, t.error);
        if (req.body.dryrun === true) return dryRunView(await organs.dryRun(t.value));
        const r = await organs.build(t.value, req.principal!);
        return sendResult(req, reply, r, (o) => ({ organ_id: o.id, state: o.state }), 201);
      },
    );

    app.get(
      '/organs',
      {
        schema: { tags, querystring: OrganListQuery, response: { 200: OrganPageSchema } },
        config: { action: READ },
      },
      async (req) =>
        organPage(
          await organs.list({
            limit: req.query.limit ?? 100,
            ...(req.query.state === undefined ? {} : { state: req.query.state }),
            ...(req.query.after === undefined ? {} : { after: req.query.after }),
          }),
        ),
    );

    app.get(
      '/organs/:id/status',
      {
        schema: { tags, params: OrganParams, response: { 200: OrganViewSchema } },
        config: { action: READ },
      },
      async (req, reply) => sendResult(req, reply, await organs.status(req.params.id), organView),
    );

    app.get(
      '/organs/:id/stats',
      {
        schema: {
          tags,
          summary: 'The organ’s invocations from the durable per-minute rollups (they survive restarts).',
          params: OrganParams,
          querystring: OrganStatsQuery,
          response: { 200: OrganStatsAnswer },
        },
        config: { action: READ },
      },
      async (req, reply) => {
        const range = statsRange(req.query);
        if (!range.ok) return sendFailure(req, reply, range.error);
        const r = await organs.stats(req.params.id, range);
        if (!r.ok) return sendFailure(req, reply, r.error);
        const iso = (ms: number) => new Date(ms).toISOString();
        return {
          organ: req.params.id,
          from: iso(range.from),
          to: iso(range.to),
          step_ms: range.stepMs,
          totals: figuresOf(r.value.totals),
          points: r.value.points.map((p) => ({ at: iso(p.at), ...figuresOf(p.stats) })),
        };
      },
    );

    app.post(
      '/organs/:id/status',
      {
        schema: {
          tags,
          summary: 'Move the organ by hand; this stops its automatic progression.',
          params: OrganParams,
          body: SetStateBody,
          response: { 200: OrganMovedSchema },
        },
        config: { action: BUILD },
      },
      async (req, reply) =>
        sendResult(
          req,
          reply,
          await organs.setStatus(req.params.id, req.body.state, actorOf(req.principal)),
          organMoved,
        ),
    );

    app.post(
      '/organs/:id/approve',
      {
        schema: {
          tags,
          summary: 'Approve an organ waiting for a person (HITL) before its last stage.',
          params: OrganParams,
          response: { 200: OrganMovedSchema },
        },
        config: { action: BUILD },
      },
      async (req, reply) =>
        sendResult(req, reply, await organs.approve(req.params.id, actorOf(req.principal)), organMoved),
    );

    app.delete(
      '/organs/:id/build',
      {
        schema: {
          tags,
          summary: 'Stop a running build: the organ becomes failed.',
          params: OrganParams,
          response: { 204: StoppedSchema },
        },
        config: { action: BUILD },
      },
      async (req, reply) => {
        const r = await organs.cancel(req.params.id, actorOf(req.principal));
        if (!r.ok) return sendFailure(req, reply, r.error);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/organs/:id/rebuild',
      {
        schema: {
          tags,
          summary: 'Back to draft; the stages start again.',
          params: OrganParams,
          response: { 200: OrganMovedSchema },
        },
        config: { action: BUILD },
      },
      async (req, reply) =>
        sendResult(req, reply, await organs.rebuild(req.params.id, actorOf(req.principal)), organMoved),
    );

    app.post(
      '/organs/:id/invoke',
      {
        schema: {
          tags,
          summary: "Run a pathway: each cell's output is the next one's input.",
          params: OrganParams,
          body: InvokeBody,
          response: { 200: InvokedSchema },
        },
        config: { action: INVOKE },
      },
      async (req, reply) =>
        sendResult(req, reply, await organs.invoke(req.params.id, req.body.input, req.body.pathway), (v) => ({
          output: v.output,
          pathway: v.pathway,
          trace: v.trace,
        })),
    );
  };
