import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DatasetBody,
  DatasetListQuery,
  DatasetListSchema,
  DatasetLoadedSchema,
  DatasetPageQuery,
  DatasetPageSchema,
  DatasetParams,
  DatasetQuery,
  JobBody,
  JobListQuery,
  JobListSchema,
  JobParams,
  JobSchema,
} from '../../contract/training.js';
import { actorOf } from '../../domain/access.js';
import type { ActionSpec } from '../../domain/policy.js';
import { JOB_COMMANDS } from '../../domain/training/training-job.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure } from '../errors.js';
import { datasetView, jobView } from '../presenters/training.js';

const READ: ActionSpec = { name: 'factory.training.read', adminOnly: true };
const WRITE: ActionSpec = { name: 'factory.training.write', adminOnly: true, write: true };
const tags = ['factory'];

/** Datasets and training jobs (docs/training.md). */
export const trainingRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { datasets, training } = deps;

    // A JSON Lines upload (`fabrica datasets load file.jsonl`): the text, checked line by line by the service.
    app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_req, body, done) => {
      done(null, { jsonl: typeof body === 'string' ? body : body.toString('utf8') });
    });

    app.post(
      '/factory/datasets',
      {
        schema: {
          tags,
          summary:
            'Store a labelled dataset (JSON or JSON Lines); every bad line is named, nothing stored then.',
          body: DatasetBody,
          querystring: DatasetQuery,
          response: { 200: DatasetLoadedSchema, 201: DatasetLoadedSchema },
        },
        config: { action: WRITE },
      },
      async (req, reply) => {
        const name = req.body.name ?? req.query.name;
        if (name === undefined)
          return sendFailure(req, reply, {
            code: 'invalid_request',
            reason: 'body.name (or ?name= with a JSON Lines body) is required',
            details: { field: 'body.name' },
          });
        const holdout = req.body.holdout ?? req.query.holdout;
        const seed = req.body.seed ?? req.query.seed;
        const r = await datasets.load(
          {
            name,
            ...(req.body.examples === undefined ? {} : { examples: req.body.examples }),
            ...(req.body.jsonl === undefined ? {} : { jsonl: req.body.jsonl }),
            ...(holdout === undefined ? {} : { holdout }),
            ...(seed === undefined ? {} : { seed }),
          },
          actorOf(req.principal),
        );
        if (!r.ok) return sendFailure(req, reply, r.error);
        return reply
          .code(r.value.created ? 201 : 200)
          .send({ created: r.value.created, dataset: datasetView(r.value.dataset) });
      },
    );

    app.get(
      '/factory/datasets',
      {
        schema: {
          tags,
          summary: 'Stored datasets, newest first.',
          querystring: DatasetListQuery,
          response: { 200: DatasetListSchema },
        },
        config: { action: READ },
      },
      async (req) => ({ datasets: (await datasets.list(req.query.limit ?? 100)).map(datasetView) }),
    );

    app.get(
      '/factory/datasets/:id',
      {
        schema: {
          tags,
          summary: 'A dataset and a page of its examples, each with its split.',
          params: DatasetParams,
          querystring: DatasetPageQuery,
          response: { 200: DatasetPageSchema },
        },
        config: { action: READ },
      },
      async (req, reply) => {
        const d = await datasets.get(req.params.id);
        if (d === null)
          return sendFailure(req, reply, { code: 'not_found', reason: `no dataset ${req.params.id}` });
        const offset = req.query.offset ?? 0;
        const limit = req.query.limit ?? 100;
        const held = new Set(d.split.holdout);
        const page = d.examples.slice(offset, offset + limit).map((e, i) => ({
          index: offset + i,
          split: held.has(offset + i) ? ('holdout' as const) : ('train' as const),
          input: e.input,
          expected: e.expected,
          ...(e.tags === undefined ? {} : { tags: [...e.tags] }),
        }));
        return {
          dataset: datasetView(d),
          examples: page,
          next_offset: offset + limit < d.examples.length ? offset + limit : null,
        };
      },
    );

    app.post(
      '/factory/training',
      {
        schema: {
          tags,
          summary:
            'Start a training job: mini-cycles that tune a cell on a dataset until it reaches the target.',
          body: JobBody,
          response: { 201: JobSchema },
        },
        config: { action: WRITE },
      },
      async (req, reply) => {
        const r = await training.create(req.body, req.principal!);
        if (!r.ok) return sendFailure(req, reply, r.error);
        return reply.code(201).send(jobView(r.value));
      },
    );

    app.get(
      '/factory/training',
      {
        schema: {
          tags,
          summary: 'Training jobs, newest first.',
          querystring: JobListQuery,
          response: { 200: JobListSchema },
        },
        config: { action: READ },
      },
      async (req) => {
        const jobs = await training.list({
          limit: req.query.limit ?? 100,
          ...(req.query.state === undefined ? {} : { state: req.query.state }),
          ...(req.query.cell_id === undefined ? {} : { cellId: req.query.cell_id }),
        });
        return { jobs: jobs.map(jobView) };
      },
    );

    app.get(
      '/factory/training/:id',
      {
        schema: {
          tags,
          summary:
            'A training job: state, iterations with train and holdout scores, the proposal awaiting approval.',
          params: JobParams,
          response: { 200: JobSchema },
        },
        config: { action: READ },
      },
      async (req, reply) => {
        const job = await training.get(req.params.id);
        if (job === null)
          return sendFailure(req, reply, { code: 'not_found', reason: `no training job ${req.params.id}` });
        return jobView(job);
      },
    );

    for (const command of JOB_COMMANDS) {
      app.post(
        `/factory/training/:id/${command}`,
        {
          schema: {
            tags,
            summary:
              command === 'stop'
                ? 'Stop a training job (a proposal still waiting is rolled back).'
                : `${command === 'approve' ? 'Accept' : 'Reject (and roll back)'} the proposal awaiting approval.`,
            params: JobParams,
            response: { 200: JobSchema },
          },
          config: { action: WRITE },
        },
        async (req, reply) => {
          const r = await training.command(req.params.id, command, req.principal!);
          if (!r.ok) return sendFailure(req, reply, r.error);
          return jobView(r.value);
        },
      );
    }
  };
