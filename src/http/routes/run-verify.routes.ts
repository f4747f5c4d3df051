import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Envelope } from '../../contract/common.js';
import { RunParams, VerifyBody, VerifyResult, type VerifyResult as Verified } from '../../contract/runs.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { callerOf, sendData } from '../llm-envelope.js';

/**
 * The instance admin only (the operator of the host), and gated: running commands on the host is the most
 * dangerous thing the kernel does. Tenant root tokens too where FABRICA_VERIFY_TENANT_ROOT allows it.
 */
export const runVerifyAction = (tenantRoot: boolean): ActionSpec => ({
  name: 'runs.verify',
  ...(tenantRoot ? { access: 'root' } : { adminOnly: true }),
  write: true,
  capability: 'factory_verify',
});

export const runVerifyRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/llm/factory/runs/:id/verify',
      {
        schema: {
          tags: ['llm factory'],
          summary: 'Execute verification commands (argument vectors, never a shell) and store a report.',
          params: RunParams,
          body: VerifyBody,
          response: { 201: Envelope(VerifyResult) },
        },
        config: { action: runVerifyAction(deps.verification.tenantRoot) },
      },
      async (req, reply) => {
        const r = await deps.verification.verify(
          req.params.id,
          callerOf(req, deps.access),
          req.body.commands,
        );
        return sendData(
          req,
          reply,
          r,
          (v): Verified => ({
            artifact_id: v.artifactId,
            success: v.outcome.success,
            status: v.status,
            report: v.outcome,
          }),
          201,
        );
      },
    );
  };
