import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  Cell,
  CellListQuery,
  CellPage,
  CellParams,
  CommandBody,
  DryRun,
  InvokeAnswer,
  InvokeBody,
  RevisionState,
  SelectAnswer,
  SelectBody,
  VersionQuery,
} from '../../contract/cells.js';
import { actorOf } from '../../domain/access.js';
import { LIFECYCLE_COMMANDS, type LifecycleCommand } from '../../domain/cells/cell-lifecycle.js';
import type { CellAggregate } from '../../domain/cells/cell-model.js';
import { readFabricationRequest, validateCellTemplate } from '../../domain/cells/cell-template.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { bareCellIdHook } from '../bare-cell-id.js';
import { markDeprecated } from '../deprecated-alias.js';
import { sendFailure } from '../errors.js';
import { cellView as sharedCellView } from '../presenters/cells.js';

const READ: ActionSpec = { name: 'factory.cells.read', adminOnly: true };
const DRYRUN: ActionSpec = { name: 'factory.cells.dryrun', adminOnly: true };
const CREATE: ActionSpec = {
  name: 'factory.cells.create',
  adminOnly: true,
  write: true,
  capability: 'factory_adapter',
};
const LIFECYCLE: ActionSpec = { name: 'factory.cells.lifecycle', adminOnly: true, write: true };
const INVOKE: ActionSpec = { name: 'factory.cells.invoke', adminOnly: true };
const SELECT: ActionSpec = { name: 'factory.select', adminOnly: true };
const tags = ['factory'];

/** The fabrication routes, under `/factory/cells` and their deprecated alias `/factory/nodes`. */
export const factoryCellsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { cells, cellInvoker, access } = deps;
    const cellView = (agg: CellAggregate) => sharedCellView(agg, cellInvoker);
    const preHandler = bareCellIdHook((ref) => cells.resolveId(ref));
    const deprecated = (reply: FastifyReply, legacy: boolean) => {
      if (legacy) markDeprecated(reply, '/factory/cells');
    };

    for (const prefix of ['/factory/cells', '/factory/nodes']) {
      const legacy = prefix === '/factory/nodes';
      const hide = legacy ? { hide: true } : {};

      app.post(
        `${prefix}/dryrun`,
        {
          schema: {
            tags,
            ...hide,
            summary: 'What fabricating this template would do; no side effect but the metric.',
            response: { 200: DryRun },
          },
          config: { action: DRYRUN },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          // Counted whatever its outcome: the metric is how often people ask.
          deps.cellMetrics.dryruns.inc();
          const request = readFabricationRequest(req.body);
          if (!request.ok) return sendFailure(req, reply, request.error);
          const tpl = validateCellTemplate(request.value.template);
          if (!tpl.ok) return sendFailure(req, reply, tpl.error);
          return cells.dryRun(request.value.backend, tpl.value, (name) => access.capabilityLevel(name));
        },
      );

      app.post(
        `${prefix}`,
        {
          schema: {
            tags,
            ...hide,
            summary: 'Fabricate: register the template if needed and create a draft revision.',
            response: { 201: RevisionState },
          },
          config: { action: CREATE },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const request = readFabricationRequest(req.body);
          if (!request.ok) return sendFailure(req, reply, request.error);
          const { backend, hitl } = request.value;
          if (backend !== 'adapter') {
            const gate = access.decide(req.principal, {
              ...CREATE,
              capability: backend === 'script' ? 'factory_script' : 'factory_wasm',
            });
            if (!gate.allow) return sendFailure(req, reply, gate);
          }
          const tpl = validateCellTemplate(request.value.template);
          if (!tpl.ok) return sendFailure(req, reply, tpl.error);
          if (tpl.value.metadata.fault !== undefined) {
            // A fault drill is fabricated only while its capability allows (docs/rollouts.md).
            const gate = access.decide(req.principal, { ...CREATE, capability: 'fault_injection' });
            if (!gate.allow) return sendFailure(req, reply, gate);
          }
          const r = await cells.fabricate(backend, tpl.value, hitl, req.principal!);
          if (!r.ok) return sendFailure(req, reply, r.error);
          return reply.code(201).send({ id: r.value.id, state: r.value.state, version: r.value.version });
        },
      );

      app.get(
        `${prefix}`,
        {
          schema: {
            tags,
            ...hide,
            querystring: CellListQuery,
            response: { 200: CellPage },
          },
          config: { action: READ },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const limit = req.query.limit ?? 100;
          const rows = await cells.list({
            limit,
            ...(req.query.state === undefined ? {} : { state: req.query.state }),
            ...(req.query.after === undefined ? {} : { after: req.query.after }),
          });
          return {
            cells: rows.map(cellView),
            next_cursor: rows.length === limit ? rows.at(-1)!.cell.id : null,
          };
        },
      );

      app.get(
        `${prefix}/:id`,
        {
          schema: { tags, ...hide, params: CellParams, response: { 200: Cell } },
          config: { action: READ },
          preHandler,
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const agg = await cells.get(req.params.id);
          if (agg === null)
            return sendFailure(req, reply, { code: 'not_found', reason: `no cell ${req.params.id}` });
          return cellView(agg);
        },
      );

      for (const command of LIFECYCLE_COMMANDS) {
        app.post(
          `${prefix}/:id/${command}`,
          {
            schema: {
              tags,
              ...hide,
              summary: `${command} a revision (\`?version=\`; default the newest).`,
              params: CellParams,
              querystring: VersionQuery,
              body: CommandBody,
              response: { 200: RevisionState },
            },
            config: { action: LIFECYCLE },
            preHandler,
          },
          async (req, reply) => {
            deprecated(reply, legacy);
            return runCommand(
              req,
              reply,
              command,
              req.params.id,
              req.query.version,
              (req.body as { reason?: string } | undefined)?.reason,
              (req.body as { force?: boolean } | undefined)?.force,
            );
          },
        );
      }

      app.post(
        `${prefix}/:id/invoke`,
        {
          schema: {
            tags,
            ...hide,
            summary:
              'Call the cell on the revision the traffic split picks (`X-Fabrica-Revision` forces one).',
            params: CellParams,
            body: InvokeBody,
            response: { 200: InvokeAnswer },
          },
          config: { action: INVOKE },
          preHandler,
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const forced = req.headers['x-fabrica-revision'];
          const r = await cellInvoker.invoke(
            req.params.id,
            req.body.input,
            typeof forced === 'string' && forced !== '' ? forced : undefined,
          );
          if (!r.ok) return sendFailure(req, reply, r.error);
          return {
            output: r.value.output,
            revision: r.value.revision,
            duration_ms: Math.round(r.value.durationMs * 1000) / 1000,
            ...(r.value.log === undefined ? {} : { log: [...r.value.log] }),
          };
        },
      );
    }

    const runCommand = async (
      req: FastifyRequest,
      reply: FastifyReply,
      command: LifecycleCommand,
      id: string,
      version: string | undefined,
      reason: string | undefined,
      force?: boolean,
    ) => {
      const r = await cells.command(id, command, {
        actor: actorOf(req.principal),
        ...(force === undefined ? {} : { force }),
        ...(version === undefined ? {} : { version }),
        ...(reason === undefined ? {} : { reason }),
      });
      if (!r.ok) return sendFailure(req, reply, r.error);
      return reply.send({ id: r.value.id, state: r.value.state, version: r.value.version });
    };

    app.post(
      '/factory/select',
      {
        schema: {
          tags,
          summary: 'Reuse a cell of this type, or get a fabrication request ready to dry-run.',
          body: SelectBody,
          response: { 200: SelectAnswer },
        },
        config: { action: SELECT },
      },
      async (req) =>
        cells.select({
          analysisType: req.body.analysis_type,
          ...(req.body.prefer_id === undefined ? {} : { preferId: req.body.prefer_id }),
          ...(req.body.allowed_types === undefined ? {} : { allowedTypes: req.body.allowed_types }),
          ...(req.body.blocked_types === undefined ? {} : { blockedTypes: req.body.blocked_types }),
        }),
    );
  };
