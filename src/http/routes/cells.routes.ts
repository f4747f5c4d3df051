import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import {
  Template,
  TemplateListQuery,
  TemplatePage,
  TemplateParams,
  TemplateRegistered,
  TemplateVersionParams,
  TemplateVersions,
} from '../../contract/cells.js';
import { actorOf } from '../../domain/access.js';
import { validateCellTemplate } from '../../domain/cells/cell-template.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { markDeprecated } from '../deprecated-alias.js';
import { sendFailure } from '../errors.js';
import { templateView } from '../presenters/cells.js';

/** The Neira family needs the admin token on every route (seed: "all routes require admin token"). */
export const CELLS_READ: ActionSpec = { name: 'cells.read', adminOnly: true };
export const CELLS_WRITE: ActionSpec = { name: 'cells.register', adminOnly: true, write: true };

const tags = ['cells'];

const deprecated = (reply: FastifyReply, legacy: boolean) => {
  if (legacy) markDeprecated(reply, '/cells');
};

/** The template registry: `/cells` (and its deprecated alias `/nodes`). */
export const cellsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { templates } = deps;

    // Seed 000 names the registry `/nodes`: a deprecated alias, answered the same with a Deprecation header.
    for (const prefix of ['/cells', '/nodes']) {
      const legacy = prefix === '/nodes';
      const hide = legacy ? { hide: true } : {};

      app.post(
        prefix,
        {
          schema: {
            tags,
            ...hide,
            summary: 'Register a cell template version.',
            response: { 200: TemplateRegistered, 201: TemplateRegistered },
          },
          config: { action: CELLS_WRITE },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const tpl = validateCellTemplate(req.body);
          if (!tpl.ok) return sendFailure(req, reply, tpl.error);
          const r = await templates.register(tpl.value, actorOf(req.principal));
          if (!r.ok) return sendFailure(req, reply, r.error);
          return reply
            .code(r.value.created ? 201 : 200)
            .send({ ...templateView(r.value.template), created: r.value.created });
        },
      );

      app.get(
        prefix,
        {
          schema: { tags, ...hide, querystring: TemplateListQuery, response: { 200: TemplatePage } },
          config: { action: CELLS_READ },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const limit = req.query.limit ?? 100;
          const rows = await templates.list({
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
          schema: { tags, ...hide, params: TemplateParams, response: { 200: TemplateVersions } },
          config: { action: CELLS_READ },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const versions = await templates.versions(req.params.id);
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
          schema: { tags, ...hide, params: TemplateVersionParams, response: { 200: Template } },
          config: { action: CELLS_READ },
        },
        async (req, reply) => {
          deprecated(reply, legacy);
          const t = await templates.version(req.params.id, req.params.version);
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
