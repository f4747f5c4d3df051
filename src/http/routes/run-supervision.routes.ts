import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ActionSpec } from '../../domain/policy.js';
import { resultView } from '../../engine/runs/assignment-views.js';
import { Envelope } from '../../contract/common.js';
import { RunParams, StartResult, type StartResult as Started } from '../../contract/runs.js';
import { RetryBody, RunAssignmentPage, type RunAssignment } from '../../contract/supervision.js';
import type { AppDeps } from '../app-deps.js';
import { callerOf, sendData } from '../llm-envelope.js';
import { RUN_READ } from './runs.routes.js';

/** Reopening a failed run is as strong as authoring its records: tenant root. */
export const RUN_RETRY: ActionSpec = { name: 'runs.retry', access: 'root', write: true };

const tags = ['llm factory'];

/** The run supervisor's own routes: retry a failed run, list a run's assignments. */
export const runSupervisionRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/llm/factory/runs/:id/retry',
      {
        schema: {
          tags,
          summary: 'Reopen a run the supervisor failed, where it failed, with fresh attempts.',
          params: RunParams,
          body: RetryBody,
          response: { 200: Envelope(StartResult) },
        },
        config: { action: RUN_RETRY },
      },
      async (req, reply) => {
        const r = await deps.supervisor.retry(req.params.id, callerOf(req, deps.access));
        return sendData(req, reply, r, (v): Started => ({
          run_id: v.runId,
          status: v.status,
          completed: v.status === 'completed',
          failed: v.status === 'failed',
          actions: v.actions,
        }));
      },
    );

    app.get(
      '/llm/factory/runs/:id/assignments',
      {
        schema: {
          tags,
          summary: "The run's assignments, oldest first, with their results.",
          params: RunParams,
          response: { 200: RunAssignmentPage },
        },
        config: { action: RUN_READ },
      },
      async (req, reply) => {
        const r = await deps.supervisor.assignments(req.params.id, callerOf(req, deps.access));
        if (!r.ok) return sendData(req, reply, r, () => null);
        return {
          success: true as const,
          data: r.value.map((a): RunAssignment => ({
            ...resultView(a),
            prompt: a.prompt,
            created_at: a.createdAt,
            updated_at: a.updatedAt,
          })),
          next_cursor: null,
        };
      },
    );
  };
