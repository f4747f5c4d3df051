import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CellParams } from '../../contract/cells.js';
import {
  AnalysisAnswer,
  AnalysisQuery,
  PolicyAnswer,
  PolicyBody,
  QuarantineAnswer,
  QuarantineBody,
  ReleaseBody,
  ShadowAnswer,
  ShadowQuery,
  StatsAnswer,
  StatsQuery,
} from '../../contract/rollouts.js';
import { actorOf } from '../../domain/access.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { bareCellIdHook } from '../bare-cell-id.js';
import { sendFailure } from '../errors.js';
import { statsRange } from '../stats-range.js';
import { analysisView, policyView, shadowView, statsView } from '../presenters/rollouts.js';

const READ: ActionSpec = { name: 'factory.cells.read', adminOnly: true };
const POLICY: ActionSpec = { name: 'factory.cells.policy', adminOnly: true, write: true };
const QUARANTINE: ActionSpec = { name: 'factory.cells.quarantine', adminOnly: true, write: true };
const tags = ['factory'];

/** Rollouts (docs/rollouts.md): policy, durable statistics, the judge's verdicts, quarantine. */
export const rolloutsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { cells, rollouts } = deps;
    const preHandler = bareCellIdHook((ref) => cells.resolveId(ref));
    const base = '/factory/cells/:id';

    app.get(
      `${base}/policy`,
      {
        schema: {
          tags,
          summary: 'The cell’s rollout policy (defaults filled in).',
          params: CellParams,
          response: { 200: PolicyAnswer },
        },
        config: { action: READ },
        preHandler,
      },
      async (req, reply) => {
        const r = await rollouts.policy(req.params.id);
        if (!r.ok) return sendFailure(req, reply, r.error);
        return policyView(r.value);
      },
    );

    app.put(
      `${base}/policy`,
      {
        schema: {
          tags,
          summary: 'Replace the cell’s rollout policy; absent fields take their defaults. Audited.',
          params: CellParams,
          body: PolicyBody,
          response: { 200: PolicyAnswer },
        },
        config: { action: POLICY },
        preHandler,
      },
      async (req, reply) => {
        const r = await rollouts.putPolicy(req.params.id, req.body, actorOf(req.principal));
        if (!r.ok) return sendFailure(req, reply, r.error);
        return policyView(r.value);
      },
    );

    app.get(
      `${base}/stats`,
      {
        schema: {
          tags,
          summary: 'Per-revision call statistics from the durable per-minute rollups.',
          params: CellParams,
          querystring: StatsQuery,
          response: { 200: StatsAnswer },
        },
        config: { action: READ },
        preHandler,
      },
      async (req, reply) => {
        const range = statsRange(req.query);
        if (!range.ok) return sendFailure(req, reply, range.error);
        const { from, to, stepMs } = range;
        const r = await rollouts.stats(req.params.id, {
          from,
          to,
          stepMs,
          ...(req.query.version === undefined ? {} : { version: req.query.version }),
        });
        if (!r.ok) return sendFailure(req, reply, r.error);
        return statsView(req.params.id, from, to, stepMs, r.value);
      },
    );

    app.get(
      `${base}/analysis`,
      {
        schema: {
          tags,
          summary: 'The judge’s verdicts on a revision (default the newest), newest first.',
          params: CellParams,
          querystring: AnalysisQuery,
          response: { 200: AnalysisAnswer },
        },
        config: { action: READ },
        preHandler,
      },
      async (req, reply) => {
        const r = await rollouts.analysis(req.params.id, {
          limit: req.query.limit ?? 50,
          ...(req.query.version === undefined ? {} : { version: req.query.version }),
          ...(req.query.before === undefined ? {} : { before: req.query.before }),
        });
        if (!r.ok) return sendFailure(req, reply, r.error);
        return analysisView(r.value);
      },
    );

    app.get(
      `${base}/shadow`,
      {
        schema: {
          tags,
          summary: 'The shadow report: the stable revision’s mirrored calls compared with a shadow revision.',
          params: CellParams,
          querystring: ShadowQuery,
          response: { 200: ShadowAnswer },
        },
        config: { action: READ },
        preHandler,
      },
      async (req, reply) => {
        const r = await rollouts.shadow(req.params.id, req.query.version);
        if (!r.ok) return sendFailure(req, reply, r.error);
        return shadowView(r.value);
      },
    );

    app.post(
      `${base}/quarantine`,
      {
        schema: {
          tags,
          summary: 'Quarantine the cell by hand: it serves nothing until released or healed. Audited.',
          params: CellParams,
          body: QuarantineBody,
          response: { 200: QuarantineAnswer },
        },
        config: { action: QUARANTINE },
        preHandler,
      },
      async (req, reply) => {
        const r = await rollouts.quarantine(req.params.id, req.body.reason, actorOf(req.principal));
        if (!r.ok) return sendFailure(req, reply, r.error);
        return { id: r.value.cell.id, quarantine: r.value.cell.quarantine };
      },
    );

    app.post(
      `${base}/release`,
      {
        schema: {
          tags,
          summary: 'Lift the cell’s quarantine. Audited.',
          params: CellParams,
          body: ReleaseBody,
          response: { 200: QuarantineAnswer },
        },
        config: { action: QUARANTINE },
        preHandler,
      },
      async (req, reply) => {
        const r = await rollouts.release(req.params.id, req.body?.reason, actorOf(req.principal));
        if (!r.ok) return sendFailure(req, reply, r.error);
        return { id: r.value.cell.id, quarantine: r.value.cell.quarantine };
      },
    );
  };
