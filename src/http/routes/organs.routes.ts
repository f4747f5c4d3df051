import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../../domain/access.js';
import { ORGAN_STATES } from '../../domain/organs/organ-model.js';
import { parseOrganTemplate } from '../../domain/organs/organ-template.js';
import type { ActionSpec } from '../../domain/policy.js';
import { resolveOrganCells } from '../../engine/cells/cell-id-resolver.js';
import type { AppDeps } from '../app.js';
import { sendFailure } from '../errors.js';
import { StringEnum } from '../schemas.js';

const READ: ActionSpec = { name: 'organs.read', adminOnly: true, capability: 'organs_builder' };
const BUILD: ActionSpec = {
  name: 'organs.build',
  adminOnly: true,
  write: true,
  capability: 'organs_builder',
};
const INVOKE: ActionSpec = { name: 'organs.invoke', adminOnly: true, capability: 'organs_builder' };
const tags = ['organs'];
const Id = Type.Object({ id: Type.String({ minLength: 1 }) });

/** The organ builder (gate `organs_builder`). */
export const organsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { organs, store } = deps;

    app.post(
      '/organs/build',
      {
        schema: {
          tags,
          summary: 'Build an organ from a template (or dry-run it).',
          body: Type.Object(
            { organ_template: Type.Unknown(), dryrun: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
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
        const t = await resolveOrganCells(store.cells, parsed.value);
        if (!t.ok) return sendFailure(req, reply, t.error);
        if (req.body.dryrun === true) return organs.dryRun(t.value);
        const r = await organs.build(t.value, req.principal!);
        if (!r.ok) return sendFailure(req, reply, r.error);
        return reply.code(201).send({ organ_id: r.value.id, state: r.value.state });
      },
    );

    app.get(
      '/organs',
      {
        schema: {
          tags,
          querystring: Type.Object(
            {
              state: Type.Optional(StringEnum(ORGAN_STATES)),
              after: Type.Optional(Type.Integer({ minimum: 0 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            },
            { additionalProperties: false },
          ),
        },
        config: { action: READ },
      },
      async (req) => {
        const limit = req.query.limit ?? 100;
        const rows = await store.organs.list({
          limit,
          ...(req.query.state === undefined ? {} : { state: req.query.state }),
          ...(req.query.after === undefined ? {} : { after: req.query.after }),
        });
        const views = await Promise.all(rows.map((o) => organs.statusView(o)));
        const last = rows.at(-1);
        return {
          organs: views,
          next_cursor:
            rows.length === limit && last !== undefined ? Number(last.id.slice('organ-'.length)) : null,
        };
      },
    );

    app.get(
      '/organs/:id/status',
      { schema: { tags, params: Id }, config: { action: READ } },
      async (req, reply) => {
        const o = await store.organs.organ(req.params.id);
        if (o === null)
          return sendFailure(req, reply, { code: 'not_found', reason: `no organ ${req.params.id}` });
        return organs.statusView(o);
      },
    );

    app.post(
      '/organs/:id/status',
      {
        schema: {
          tags,
          summary: 'Move the organ by hand; this stops its automatic progression.',
          params: Id,
          body: Type.Object({ state: StringEnum(ORGAN_STATES) }, { additionalProperties: false }),
        },
        config: { action: BUILD },
      },
      async (req, reply) => {
        const r = await organs.setStatus(req.params.id, req.body.state, actorOf(req.principal));
        if (!r.ok) return sendFailure(req, reply, r.error);
        return { id: r.value.id, state: r.value.state };
      },
    );

    app.post(
      '/organs/:id/approve',
      {
        schema: { tags, summary: 'Approve an organ waiting at experimental (HITL).', params: Id },
        config: { action: BUILD },
      },
      async (req, reply) => {
        const r = await organs.approve(req.params.id, actorOf(req.principal));
        if (!r.ok) return sendFailure(req, reply, r.error);
        return { id: r.value.id, state: r.value.state };
      },
    );

    app.delete(
      '/organs/:id/build',
      {
        schema: { tags, summary: 'Stop a running build: the organ becomes failed.', params: Id },
        config: { action: BUILD },
      },
      async (req, reply) => {
        const r = await organs.cancel(req.params.id, actorOf(req.principal));
        if (!r.ok) return sendFailure(req, reply, r.error);
        return reply.code(204).send();
      },
    );

    app.post(
      '/organs/:id/rebuild',
      {
        schema: { tags, summary: 'Back to draft; the stages start again.', params: Id },
        config: { action: BUILD },
      },
      async (req, reply) => {
        const r = await organs.rebuild(req.params.id, actorOf(req.principal));
        if (!r.ok) return sendFailure(req, reply, r.error);
        return { id: r.value.id, state: r.value.state };
      },
    );

    app.post(
      '/organs/:id/invoke',
      {
        schema: {
          tags,
          summary: "Run a pathway: each cell's output is the next one's input.",
          params: Id,
          body: Type.Object(
            { input: Type.Unknown(), pathway: Type.Optional(Type.String({ minLength: 1 })) },
            { additionalProperties: false },
          ),
        },
        config: { action: INVOKE },
      },
      async (req, reply) => {
        const r = await organs.invoke(req.params.id, req.body.input, req.body.pathway);
        if (!r.ok) return sendFailure(req, reply, r.error);
        return { output: r.value.output, pathway: r.value.pathway, trace: r.value.trace };
      },
    );
  };
