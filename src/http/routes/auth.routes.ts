import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Whoami } from '../../contract/operator.js';

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
