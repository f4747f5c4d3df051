import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DeliveryListQuery,
  DeliveryPage,
  Webhook,
  WebhookBody,
  WebhookCreated,
  WebhookListQuery,
  WebhookPage,
  WebhookParams,
} from '../../contract/webhooks.js';
import { actorOf } from '../../domain/access.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure, sendResult } from '../errors.js';
import { deliveryView, webhookView } from '../presenters/webhooks.js';

const READ: ActionSpec = { name: 'webhooks.read', adminOnly: true };
const CREATE: ActionSpec = { name: 'webhooks.create', adminOnly: true, write: true };
const DELETE: ActionSpec = { name: 'webhooks.delete', adminOnly: true, write: true };
const tags = ['operator'];

/**
 * Webhooks (docs/webhooks.md): admin only, since a webhook receives events of every tenant. The secret
 * is taken, never given back (a generated one is shown once, at creation).
 */
export const webhooksRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { webhooks } = deps;

    app.post(
      '/webhooks',
      {
        schema: {
          tags,
          summary: 'Register a webhook (admin): signed POSTs of the events its patterns match.',
          body: WebhookBody,
          response: { 201: WebhookCreated },
        },
        config: { action: CREATE },
      },
      async (req, reply) => {
        const r = await webhooks.create(req.body, actorOf(req.principal));
        return sendResult(
          req,
          reply,
          r,
          (v) => ({ ...webhookView(v.webhook), generated_secret: v.generatedSecret }),
          201,
        );
      },
    );

    app.get(
      '/webhooks',
      {
        schema: {
          tags,
          summary: 'List webhooks (admin), oldest first.',
          querystring: WebhookListQuery,
          response: { 200: WebhookPage },
        },
        config: { action: READ },
      },
      async (req) => {
        const limit = req.query.limit ?? 100;
        const rows = await webhooks.list({
          limit,
          ...(req.query.after === undefined ? {} : { after: req.query.after }),
        });
        return {
          webhooks: rows.map(webhookView),
          next_cursor: rows.length === limit ? rows[rows.length - 1]!.webhook.id : null,
        };
      },
    );

    app.get(
      '/webhooks/:id',
      {
        schema: { tags, summary: 'One webhook (admin).', params: WebhookParams, response: { 200: Webhook } },
        config: { action: READ },
      },
      async (req, reply) => sendResult(req, reply, await webhooks.get(req.params.id), webhookView),
    );

    app.delete(
      '/webhooks/:id',
      {
        schema: {
          tags,
          summary: 'Remove a webhook (admin) and its deliveries; pending ones are not sent.',
          params: WebhookParams,
          response: { 200: Webhook },
        },
        config: { action: DELETE },
      },
      async (req, reply) =>
        sendResult(req, reply, await webhooks.delete(req.params.id, actorOf(req.principal)), webhookView),
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          tags,
          summary: 'A webhook’s deliveries (admin), newest first: state, attempts, next attempt, last error.',
          params: WebhookParams,
          querystring: DeliveryListQuery,
          response: { 200: DeliveryPage },
        },
        config: { action: READ },
      },
      async (req, reply) => {
        const limit = req.query.limit ?? 100;
        const r = await webhooks.deliveries(req.params.id, {
          limit,
          ...(req.query.before === undefined ? {} : { before: Number(req.query.before) }),
          ...(req.query.state === undefined ? {} : { state: req.query.state }),
        });
        if (!r.ok) return sendFailure(req, reply, r.error);
        return {
          deliveries: r.value.map(deliveryView),
          next_cursor: r.value.length === limit ? String(r.value[r.value.length - 1]!.seq) : null,
        };
      },
    );
  };
