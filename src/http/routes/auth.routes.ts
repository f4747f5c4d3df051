import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ACCESS_LEVELS } from '../../domain/access.js';
import { StringEnum } from '../../contract/common.js';

const Whoami = Type.Object({
  kind: StringEnum(['admin', 'tenant'] as const, 'The admin token, or a tenant token.'),
  token_id: Type.String({ description: 'The id recorded as actor on events (`admin` for the admin token).' }),
  tenant: Type.Union([Type.String(), Type.Null()], {
    description: 'Null for the admin token (every tenant).',
  }),
  access: StringEnum(ACCESS_LEVELS),
});

/**
 * Who the caller is. Clients (the panel) check a token with it and decide which controls to offer;
 * the server still authorizes every request on its own.
 */
export const authRoutes = (): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/auth/whoami',
    {
      schema: {
        tags: ['operator'],
        summary: 'The principal behind the bearer token: kind, tenant, access level, token id.',
        response: { 200: Whoami },
      },
      config: { action: { name: 'auth.whoami', access: 'read' } },
    },
    (req) => {
      // The auth hook has refused every request without a valid token, so a principal is here.
      const p = req.principal!;
      return p.kind === 'admin'
        ? { kind: 'admin' as const, token_id: p.tokenId, tenant: null, access: p.access }
        : { kind: 'tenant' as const, token_id: p.tokenId, tenant: p.tenant, access: p.access };
    },
  );
};
