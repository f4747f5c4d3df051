import type { FastifyPluginAsyncTypebox, TSchema } from '@fastify/type-provider-typebox';
import { ok, type Result } from '../../domain/errors.js';
import type { ActionSpec } from '../../domain/policy.js';
import type { RunAggregate } from '../../domain/runs/run-model.js';
import { artifactView, checkpointView, gateView, issueView, stageView } from '../../engine/runs/run-views.js';
import {
  addArtifact,
  addCheckpoint,
  addIssue,
  addStage,
  patchIssue,
  patchStage,
} from '../../engine/runs/run-authoring.js';
import type { RunDraft } from '../../engine/runs/run-draft.js';
import { checkGate, recordGate } from '../../engine/runs/run-lifecycle.js';
import { artifactInput } from './record-inputs.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure } from '../errors.js';
import { callerOf, page, sendData } from '../llm-envelope.js';
import {
  ArtifactBody,
  CheckpointBody,
  GateBody,
  GateCheckBody,
  IssueBody,
  IssueParams,
  IssuePatchBody,
  ListQuery,
  RunParams,
  StageBody,
  StageParams,
  StagePatchBody,
} from '../../contract/runs.js';
import {
  Artifact,
  ArtifactPage,
  Checkpoint,
  CheckpointPage,
  Gate,
  GatePage,
  Issue,
  IssuePage,
  Stage,
  StagePage,
} from '../../contract/run-records.js';
import { Envelope } from '../../contract/common.js';
import { RUN_READ } from './runs.routes.js';

/** Authoring a run's durable records is root-only (docs/llm-factory.md). */
export const RUN_AUTHOR: ActionSpec = { name: 'runs.author', access: 'root', write: true };

const tags = ['llm factory'];
const opt = <K extends string, V>(key: K, v: V | undefined) =>
  v === undefined ? {} : ({ [key]: v } as Record<K, V>);

export const runRecordsRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { runs, access } = deps;
    const author = <T>(id: string, req: Parameters<typeof callerOf>[0], work: (d: RunDraft) => Result<T>) =>
      runs.change(id, callerOf(req, access), work, { needsOpenRun: true });
    const lister = <T extends { id: string }>(
      path: string,
      pick: (agg: RunAggregate) => readonly T[],
      view: (x: T) => unknown,
      answer: TSchema,
    ) =>
      app.get(
        `/llm/factory/runs/:id/${path}`,
        {
          schema: { tags, params: RunParams, querystring: ListQuery, response: { 200: answer } },
          config: { action: RUN_READ },
        },
        async (req, reply) => {
          const r = await runs.get(req.params.id, callerOf(req, access));
          if (!r.ok) return sendFailure(req, reply, r.error);
          const p = page(pick(r.value), req.query.after, req.query.limit ?? 100);
          return { success: true as const, data: p.items.map(view), next_cursor: p.nextCursor };
        },
      );

    lister('stages', (a) => a.stages, stageView, StagePage);
    lister('issues', (a) => a.issues, issueView, IssuePage);
    lister('checkpoints', (a) => a.checkpoints, checkpointView, CheckpointPage);
    lister('artifacts', (a) => a.artifacts, artifactView, ArtifactPage);
    lister('gates', (a) => a.gates, gateView, GatePage);

    app.post(
      '/llm/factory/runs/:id/stages',
      {
        schema: { tags, params: RunParams, body: StageBody, response: { 201: Envelope(Stage) } },
        config: { action: RUN_AUTHOR },
      },
      async (req, reply) => {
        const b = req.body;
        const name = b.stage_name ?? b.name;
        if (name === undefined)
          return sendFailure(req, reply, {
            code: 'invalid_request',
            reason: 'body.stage_name is required',
            details: { field: 'body.stage_name' },
          });
        const r = await runs.changeNamingRoom(req.params.id, callerOf(req, access), b.assigned_room_id, (d) =>
          addStage(d, {
            stageName: name,
            ...opt('stableKey', b.stable_key),
            ...opt('dependsOn', b.depends_on),
            ...opt('status', b.status),
            ...opt('summary', b.summary),
            ...opt('notes', b.notes),
            ...opt('assignedRoomId', b.assigned_room_id),
          }),
        );
        return sendData(req, reply, r, stageView, 201);
      },
    );

    app.patch(
      '/llm/factory/runs/:id/stages/:stage_id',
      {
        schema: { tags, params: StageParams, body: StagePatchBody, response: { 200: Envelope(Stage) } },
        config: { action: RUN_AUTHOR },
      },
      async (req, reply) => {
        const b = req.body;
        const r = await runs.changeNamingRoom(req.params.id, callerOf(req, access), b.assigned_room_id, (d) =>
          patchStage(d, req.params.stage_id, {
            ...opt('stageName', b.stage_name),
            ...opt('status', b.status),
            ...opt('summary', b.summary),
            ...opt('verificationSummary', b.verification_summary),
            ...opt('notes', b.notes),
            ...opt('assignedRoomId', b.assigned_room_id),
            ...opt('dependsOn', b.depends_on),
            ...opt('expectedVersion', b.expected_version),
          }),
        );
        return sendData(req, reply, r, stageView);
      },
    );

    app.post(
      '/llm/factory/runs/:id/issues',
      {
        schema: { tags, params: RunParams, body: IssueBody, response: { 201: Envelope(Issue) } },
        config: { action: RUN_AUTHOR },
      },
      async (req, reply) => {
        const b = req.body;
        const r = await author(req.params.id, req, (d) =>
          addIssue(d, {
            title: b.title,
            ...opt('kind', b.kind),
            ...opt('stageId', b.stage_id),
            ...opt('stableKey', b.stable_key),
            ...opt('dependsOn', b.depends_on),
            ...opt('acceptanceCriteria', b.acceptance_criteria),
            ...opt('verificationRequirements', b.verification_requirements),
            ...opt('status', b.status),
            ...opt('summary', b.summary),
            ...opt('notes', b.notes),
          }),
        );
        return sendData(req, reply, r, issueView, 201);
      },
    );

    app.patch(
      '/llm/factory/runs/:id/issues/:issue_id',
      {
        schema: { tags, params: IssueParams, body: IssuePatchBody, response: { 200: Envelope(Issue) } },
        config: { action: RUN_AUTHOR },
      },
      async (req, reply) => {
        const b = req.body;
        const r = await runs.changeNamingRoom(req.params.id, callerOf(req, access), b.assigned_room_id, (d) =>
          patchIssue(d, req.params.issue_id, {
            ...opt('title', b.title),
            ...opt('kind', b.kind),
            ...opt('status', b.status),
            ...opt('summary', b.summary),
            ...opt('notes', b.notes),
            ...opt('assignedRoomId', b.assigned_room_id),
            ...opt('dependsOn', b.depends_on),
            ...opt('acceptanceCriteria', b.acceptance_criteria),
            ...opt('verificationRequirements', b.verification_requirements),
            ...opt('expectedVersion', b.expected_version),
          }),
        );
        return sendData(req, reply, r, issueView);
      },
    );

    app.post(
      '/llm/factory/runs/:id/checkpoints',
      {
        schema: { tags, params: RunParams, body: CheckpointBody, response: { 201: Envelope(Checkpoint) } },
        config: { action: RUN_AUTHOR },
      },
      async (req, reply) => {
        const b = req.body;
        const r = await author(req.params.id, req, (d) =>
          addCheckpoint(d, {
            branchName: b.branch_name,
            worktreePath: b.worktree_path,
            baseRef: b.base_ref,
            ...opt('headSha', b.head_sha),
            ...opt('status', b.status),
            ...opt('includedIssueIds', b.included_issue_ids),
            ...opt('mergedIssueIds', b.merged_issue_ids),
            ...opt('conflictIssueIds', b.conflict_issue_ids),
            ...opt('notes', b.notes),
          }),
        );
        return sendData(req, reply, r, checkpointView, 201);
      },
    );

    app.post(
      '/llm/factory/runs/:id/artifacts',
      {
        schema: { tags, params: RunParams, body: ArtifactBody, response: { 201: Envelope(Artifact) } },
        config: { action: RUN_AUTHOR },
      },
      async (req, reply) => {
        const b = req.body;
        if (b.payload === undefined)
          return sendFailure(req, reply, {
            code: 'invalid_request',
            reason: 'body.payload is required',
            details: { field: 'body.payload' },
          });
        const r = await author(req.params.id, req, (d) =>
          addArtifact(d, artifactInput(b), req.principal!.tokenId),
        );
        return sendData(req, reply, r, artifactView, 201);
      },
    );

    app.post(
      '/llm/factory/runs/:id/gate-check',
      {
        schema: {
          tags,
          summary: 'Evaluate and persist a gate verdict.',
          params: RunParams,
          body: GateCheckBody,
          response: { 201: Envelope(Gate) },
        },
        config: { action: RUN_AUTHOR },
      },
      async (req, reply) =>
        sendData(
          req,
          reply,
          await author(req.params.id, req, (d) => checkGate(d, req.body.gate)),
          gateView,
          201,
        ),
    );

    app.post(
      '/llm/factory/runs/:id/gates',
      {
        schema: {
          tags,
          summary: 'Persist an externally supplied gate verdict.',
          params: RunParams,
          body: GateBody,
          response: { 201: Envelope(Gate) },
        },
        config: { action: RUN_AUTHOR },
      },
      async (req, reply) =>
        sendData(
          req,
          reply,
          await author(req.params.id, req, (d) => ok(recordGate(d, req.body, 'external'))),
          gateView,
          201,
        ),
    );
  };
