import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import {
  AppliedSchema,
  CommandBody,
  CommandParams,
  CommandPlanSchema,
  CommandsInfoSchema,
} from '../../contract/commands.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure } from '../errors.js';
import { commandPlanView, commandsInfo } from '../presenters/commands.js';

const PLAN: ActionSpec = { name: 'factory.commands.plan', access: 'full' };
const APPLY: ActionSpec = { name: 'factory.commands.apply', access: 'full', write: true };
const tags = ['factory'];

/**
 * Natural-language commands (docs/commands.md): a plan that changes nothing, then its apply, which runs
 * the planned requests through this app with the caller's own credentials, so every gate, right and
 * safe-mode rule of those routes applies to them exactly as if the caller had sent them.
 */
export const commandsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { commands } = deps;

    app.get(
      '/factory/commands/info',
      {
        schema: {
          tags,
          summary: 'What the command API understands: languages, intents with examples, the LLM if any.',
          response: { 200: CommandsInfoSchema },
        },
        config: { action: PLAN },
      },
      async () => commandsInfo(commands.llmModel),
    );

    app.post(
      '/factory/commands',
      {
        schema: {
          tags,
          summary: 'Plan a command said in Russian or English: intent, spec, checks, dry run, diff.',
          body: CommandBody,
          response: { 200: CommandPlanSchema },
        },
        config: { action: PLAN },
      },
      async (req, reply) => {
        const r = await commands.plan(req.body.text, req.body.lang, req.principal!);
        if (!r.ok) return sendFailure(req, reply, r.error);
        return commandPlanView(r.value);
      },
    );

    app.post(
      '/factory/commands/:id/apply',
      {
        schema: {
          tags,
          summary: 'Apply a planned command: its requests, in order, as the same principal.',
          params: CommandParams,
          response: { 200: AppliedSchema },
        },
        config: { action: APPLY },
      },
      async (req, reply) => {
        const authorization = req.headers.authorization;
        const r = await commands.apply(req.params.id, req.principal!, async (planned) => {
          const res = await app.inject({
            method: planned.method,
            url: planned.path,
            headers: {
              ...(authorization === undefined ? {} : { authorization }),
              'x-request-id': `${req.id}.${planned.method.toLowerCase()}`.slice(0, 128),
              ...(planned.body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(planned.body === undefined ? {} : { payload: JSON.stringify(planned.body) }),
          });
          let body: unknown;
          try {
            body = res.body === '' ? null : (JSON.parse(res.body) as unknown);
          } catch {
            body = res.body;
          }
          return { status: res.statusCode, body };
        });
        if (!r.ok) return sendFailure(req, reply, r.error);
        // The first refusal of a planned request is the answer, as that request gave it.
        if (!r.value.ok) {
          const raw: FastifyReply = reply;
          return raw.code(r.value.refusal.status).send(r.value.refusal.body);
        }
        return { id: r.value.id, intent: r.value.intent, results: [...r.value.results] };
      },
    );
  };
