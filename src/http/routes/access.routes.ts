import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Capabilities,
  Capability,
  CapabilityBody,
  CapabilityParams,
  RevokeQuery,
  SafeMode,
  SafeModeBody,
  Token,
  TokenBody,
  TokenCreated,
  TokenListQuery,
  TokenPage,
  TokenParams,
} from '../../contract/operator.js';
import { actorOf, parseDuration, publicToken } from '../../domain/access.js';
import {
  CAPABILITIES,
  isCapabilityName,
  isEnabled,
  type CapabilityRecord,
} from '../../domain/capabilities.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure, sendResult } from '../errors.js';

/** A capability as the API shows it (also used by the benchmark's unauthenticated copy of the read route). */
export const presentCapability = (c: CapabilityRecord): Capability => ({
  name: c.name,
  level: c.level,
  enabled: isEnabled(c.level),
  gates: CAPABILITIES[c.name].gates,
  reason: c.reason,
  updated_at: c.updatedAt === '' ? null : c.updatedAt,
  updated_by: c.updatedBy,
  version: c.version,
});

export const accessRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { access } = deps;

    app.get(
      '/capabilities',
      {
        schema: {
          tags: ['operator'],
          summary: 'Capability gates and safe mode.',
          response: { 200: Capabilities },
        },
        config: { action: { name: 'capabilities.read', access: 'read' } },
      },
      () => ({
        capabilities: access.capabilityList().map(presentCapability),
        safe_mode: { on: access.safeMode.on, reason: access.safeMode.reason, since: access.safeMode.since },
      }),
    );

    app.get(
      '/capabilities/:name',
      {
        schema: { tags: ['operator'], params: CapabilityParams, response: { 200: Capability } },
        config: { action: { name: 'capabilities.read', access: 'read' } },
      },
      // Served from the access service's copy, the one every authorization decision reads: it is set on
      // commit by this instance and refreshed from the event log for changes made by others.
      async (req, reply) => {
        const { name } = req.params;
        if (!isCapabilityName(name)) return sendFailure(req, reply, unknownCapability(name));
        return presentCapability(access.capability(name));
      },
    );

    app.put(
      '/capabilities/:name',
      {
        schema: {
          tags: ['operator'],
          summary: 'Set a capability level (admin). `expected_version` makes it a compare-and-set.',
          params: CapabilityParams,
          body: CapabilityBody,
          response: { 200: Capability },
        },
        config: { action: { name: 'capabilities.update', adminOnly: true, write: true } },
      },
      async (req, reply) => {
        const { name } = req.params;
        if (!isCapabilityName(name)) return sendFailure(req, reply, unknownCapability(name));
        const ifMatch = req.headers['if-match'];
        const expected =
          req.body.expected_version ??
          (typeof ifMatch === 'string' && /^"?\d+"?$/.test(ifMatch)
            ? Number(ifMatch.replace(/"/g, ''))
            : undefined);
        const result = await access.setCapability(
          name,
          req.body.level,
          req.body.reason,
          actorOf(req.principal),
          expected,
        );
        return sendResult(req, reply, result, presentCapability);
      },
    );

    app.get(
      '/safe-mode',
      {
        schema: { tags: ['operator'], response: { 200: SafeMode } },
        config: { action: { name: 'safe_mode.read', access: 'read' } },
      },
      () => presentSafeMode(access.safeMode),
    );

    app.post(
      '/safe-mode',
      {
        schema: {
          tags: ['operator'],
          summary: 'Turn safe mode on or off (admin). While on, only the admin token may write.',
          body: SafeModeBody,
          response: { 200: SafeMode },
        },
        config: { action: { name: 'safe_mode.update', adminOnly: true, write: true } },
      },
      async (req, reply) =>
        sendResult(
          req,
          reply,
          await access.setSafeMode(req.body.on, req.body.reason, actorOf(req.principal)),
          presentSafeMode,
        ),
    );

    app.post(
      '/tokens',
      {
        schema: {
          tags: ['operator'],
          summary: 'Create a tenant token (admin). The secret appears only in this answer.',
          body: TokenBody,
          response: { 201: TokenCreated },
        },
        config: { action: { name: 'tokens.create', adminOnly: true, write: true } },
      },
      async (req, reply) => {
        const { expires_in } = req.body;
        const expiresInMs =
          expires_in === undefined
            ? null
            : typeof expires_in === 'number'
              ? expires_in * 1000
              : parseDuration(expires_in);
        if (expiresInMs === null && expires_in !== undefined) {
          return sendFailure(req, reply, {
            code: 'invalid_request',
            reason: 'body.expires_in must be seconds or a duration such as 90s, 15m, 12h, 30d',
            details: { field: 'body.expires_in' },
          });
        }
        const { secret, token } = await access.createToken(
          {
            tenant: req.body.tenant,
            access: req.body.access,
            expiresInMs,
            label: req.body.label ?? null,
          },
          actorOf(req.principal),
        );
        return reply.code(201).send({ ...publicToken(token), token: secret });
      },
    );

    app.get(
      '/tokens',
      {
        schema: {
          tags: ['operator'],
          querystring: TokenListQuery,
          response: { 200: TokenPage },
        },
        config: { action: { name: 'tokens.list', adminOnly: true } },
      },
      async (req) => {
        const limit = req.query.limit ?? 100;
        const rows = await access.listTokens({
          limit,
          ...(req.query.after === undefined ? {} : { after: req.query.after }),
          ...(req.query.tenant === undefined ? {} : { tenant: req.query.tenant }),
        });
        return {
          tokens: rows.map(publicToken),
          next_cursor: rows.length === limit ? rows[rows.length - 1]!.id : null,
        };
      },
    );

    app.delete(
      '/tokens/:id',
      {
        schema: {
          tags: ['operator'],
          summary: 'Revoke a token (admin).',
          params: TokenParams,
          querystring: RevokeQuery,
          response: { 200: Token },
        },
        config: { action: { name: 'tokens.revoke', adminOnly: true, write: true } },
      },
      async (req, reply) => {
        const result = await access.revokeToken(
          req.params.id,
          actorOf(req.principal),
          req.query.reason ?? '',
        );
        return sendResult(req, reply, result, publicToken);
      },
    );
  };

const unknownCapability = (name: string) => ({
  code: 'not_found' as const,
  reason: `no capability named ${name}; known: ${Object.keys(CAPABILITIES).join(', ')}`,
});

const presentSafeMode = (s: {
  on: boolean;
  reason: string;
  since: string | null;
  by: string | null;
}): SafeMode => ({
  on: s.on,
  reason: s.reason,
  since: s.since,
  by: s.by,
});
