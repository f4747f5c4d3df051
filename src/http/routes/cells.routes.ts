import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { StoredTemplate } from '../../domain/cells/cell-model.js';
import { validateCellTemplate } from '../../domain/cells/cell-template.js';
import { compareSemver } from '../../domain/cells/semver.js';
import { actorOf } from '../../domain/access.js';
import type { ActionSpec } from '../../domain/policy.js';
import { registerTemplateIn } from '../../engine/cells/cell-registry.js';
import type { AppDeps } from '../app.js';
import { sendFailure } from '../errors.js';

/** The Neira family needs the admin token on every route (seed: "all routes require admin token"). */
export const CELLS_READ: ActionSpec = { name: 'cells.read', adminOnly: true };
export const CELLS_WRITE: ActionSpec = { name: 'cells.register', adminOnly: true, write: true };

export const templateView = (t: StoredTemplate) => ({
  id: t.templateId,
  version: t.version,
  type: t.cellType,
  template: t.template,
  sha256: t.sha256,
  source: t.source,
  source_path: t.sourcePath,
  created_at: t.createdAt,
  created_by: t.createdBy,
});

const tags = ['cells'];

const deprecated = (reply: FastifyReply, legacy: boolean) => {
  if (legacy) reply.header('deprecation', 'true').header('link', '</cells>; rel="successor-version"');
};

/** The template registry: `/cells` (and its deprecated alias `/nodes`). */
export const cellsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { store } = deps;

    // Seed 000 names the registry `/nodes`: a deprecated alias, answered the same with a Deprecation header.
    for (const prefix of ['/cells', '/nodes']) {
      const legacy = prefix === '/nodes';
      const hide = legacy ? { hide: true } : {};

      app.post(
        prefix,
        {
          schema: { tags, ...hide, summary: 'Register a cell template version.' },
          config: { action: CELLS_WRITE },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const tpl = validateCellTemplate(req.body);
          if (!tpl.ok) return sendFailure(req, reply, tpl.error);
          const now = new Date().toISOString();
          const r = await store.transaction((tx) =>
            registerTemplateIn(tx, tpl.value, {
              source: 'api',
              sourcePath: null,
              actor: actorOf(req.principal),
              now,
            }),
          );
          if (!r.ok) return sendFailure(req, reply, r.error);
          return reply
            .code(r.value.created ? 201 : 200)
            .send({ ...templateView(r.value.template), created: r.value.created });
        },
      );

      app.get(
        prefix,
        {
          schema: {
            tags,
            ...hide,
            querystring: Type.Object(
              {
                analysis_type: Type.Optional(Type.String({ minLength: 1 })),
                after: Type.Optional(Type.String()),
                limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
              },
              { additionalProperties: false },
            ),
          },
          config: { action: CELLS_READ },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const limit = req.query.limit ?? 100;
          const rows = await store.cells.templates({
            limit,
            ...(req.query.analysis_type === undefined ? {} : { cellType: req.query.analysis_type }),
            ...(req.query.after === undefined ? {} : { after: req.query.after }),
          });
          return {
            templates: rows.map(templateView),
            next_cursor: rows.length === limit ? rows.at(-1)!.templateId : null,
          };
        },
      );

      app.get(
        `${prefix}/:id`,
        {
          schema: { tags, ...hide, params: Type.Object({ id: Type.String() }) },
          config: { action: CELLS_READ },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const versions = (await store.cells.templateVersions(req.params.id)).sort((a, b) =>
            compareSemver(a.version, b.version),
          );
          if (versions.length === 0)
            return sendFailure(req, reply, { code: 'not_found', reason: `no template ${req.params.id}` });
          return {
            id: req.params.id,
            latest: templateView(versions.at(-1)!),
            versions: versions.map(templateView),
          };
        },
      );

      app.get(
        `${prefix}/:id/:version`,
        {
          schema: { tags, ...hide, params: Type.Object({ id: Type.String(), version: Type.String() }) },
          config: { action: CELLS_READ },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const t = await store.cells.template(req.params.id, req.params.version);
          if (t === null)
            return sendFailure(req, reply, {
              code: 'not_found',
              reason: `no template ${req.params.id}@${req.params.version}`,
            });
          return templateView(t);
        },
      );
    }
  };
