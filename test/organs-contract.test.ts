import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from 'typebox';
import {
  BuiltSchema,
  DryRunSchema,
  InvokedSchema,
  OrganMovedSchema,
  OrganPageSchema,
  OrganViewSchema,
} from '../src/contract/organs.js';
import { NeiraError } from '../src/contract/common.js';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { loadExampleCells } from './support/example-cells.js';
import { STORE_KINDS } from './support/stores.js';

const echo = {
  id: 'organ.echo.v1',
  roles: ['echo'],
  cells: ['analysis.echo_adapter.v1'],
  pathways: [{ name: 'text', cells: ['analysis.echo_adapter.v1'] }],
  policies: { hitl: true },
};
const voice = {
  id: 'organ.voice.v1',
  roles: ['speech'],
  cells: ['analysis.text_normalize.v1', 'analysis.text_to_phonemes.v1', 'analysis.speak_adapter.v1'],
  policies: {},
};

/**
 * Strict copies of the contract: the answer on the wire has exactly the schema's properties (Fastify
 * serialises with the schema, so a field the schema lacks never reaches a client) and each has its type.
 */
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
const strictCopy = (s: unknown): unknown => {
  if (Array.isArray(s)) return s.map(strictCopy);
  if (s === null || typeof s !== 'object') return s;
  const o = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, strictCopy(v)]));
  return o.type === 'object' && o.additionalProperties === undefined
    ? { ...o, additionalProperties: false }
    : o;
};
const validators = new Map<TSchema, ValidateFunction>();
const conforms = (schema: TSchema, res: { status: number; body: unknown }, what: string) => {
  let v = validators.get(schema);
  if (v === undefined) {
    v = ajv.compile(strictCopy(schema) as object);
    validators.set(schema, v);
  }
  assert.ok(
    v(res.body),
    `${what} (${res.status}): ${ajv.errorsText(v.errors)} in ${JSON.stringify(res.body)}`,
  );
};

for (const { kind, skip } of STORE_KINDS) {
  describe(`organ answers follow src/contract/organs.ts (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind, { ORGANS_BUILDER_STAGE_DELAYS: '0,0,0' });
      await loadExampleCells((m, u, b) => f.request(m, u, b === undefined ? {} : { body: b }));
    });
    after(() => f.close());

    const statusOf = (id: string) => f.request('GET', `/organs/${id}/status`);
    const waitFor = async (id: string, pred: (s: any) => boolean) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const s = await statusOf(id);
        if (pred(s.body)) return s;
        assert.ok(Date.now() < deadline, `organ ${id} stuck at ${s.body.state}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    it('every success answer: build, dry run, status, list, approve, invoke, move, cancel, rebuild', async () => {
      const dry = await f.request('POST', '/organs/build', {
        body: { organ_template: { ...voice, cells: [...voice.cells, 'analysis.ghost.v1'] }, dryrun: true },
      });
      assert.equal(dry.status, 200);
      conforms(DryRunSchema, dry, 'dry run');
      assert.ok(dry.body.report.risks.some((r: any) => r.code === 'no_pathway'));

      const built = await f.request('POST', '/organs/build', { body: { organ_template: echo } });
      assert.equal(built.status, 201);
      conforms(BuiltSchema, built, 'build');
      const id: string = built.body.organ_id;

      const paused = await waitFor(id, (s) => s.awaiting_approval === true);
      conforms(OrganViewSchema, paused, 'status at the HITL pause');
      const approved = await f.request('POST', `/organs/${id}/approve`);
      conforms(OrganMovedSchema, approved, 'approve');
      assert.deepEqual(approved.body, { id, state: 'stable' });

      const invoked = await f.request('POST', `/organs/${id}/invoke`, { body: { input: 'ping' } });
      conforms(InvokedSchema, invoked, 'invoke');
      assert.equal(invoked.body.output, 'ping');
      const stable = await statusOf(id);
      conforms(OrganViewSchema, stable, 'status with figures');
      assert.equal(stable.body.metrics.invocations, 1);
      assert.equal(typeof stable.body.metrics.p50_ms, 'number');

      const moved = await f.request('POST', `/organs/${id}/status`, { body: { state: 'failed' } });
      conforms(OrganMovedSchema, moved, 'manual move');
      const failed = await statusOf(id);
      conforms(OrganViewSchema, failed, 'a failed organ');
      assert.equal(failed.body.reason, 'set by hand');

      const rebuilt = await f.request('POST', `/organs/${id}/rebuild`);
      conforms(OrganMovedSchema, rebuilt, 'rebuild');
      const cancelled = await f.request('DELETE', `/organs/${id}/build`);
      assert.deepEqual([cancelled.status, cancelled.text], [204, '']);

      const other = (await f.request('POST', '/organs/build', { body: { organ_template: voice } })).body
        .organ_id;
      await waitFor(other, (s) => s.state === 'stable');
      const page = await f.request('GET', '/organs?limit=1');
      conforms(OrganPageSchema, page, 'a page');
      assert.equal(page.body.next_cursor, Number(id.slice('organ-'.length)));
      const last = await f.request('GET', `/organs?after=${page.body.next_cursor}`);
      conforms(OrganPageSchema, last, 'the last page');
      assert.deepEqual([last.body.organs.map((o: any) => o.id), last.body.next_cursor], [[other], null]);
    });

    it('every error answer, whatever refused it (route, service, cell, schema, auth)', async () => {
      const id = (await f.request('POST', '/organs/build', { body: { organ_template: voice } })).body
        .organ_id;
      await waitFor(id, (s) => s.state === 'stable');
      const tenant = (await f.request('POST', '/tokens', { body: { tenant: 'acme', access: 'root' } })).body
        .token;
      const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
        ['no template', f.request('POST', '/organs/build', { body: {} }), 400, 'invalid_request'],
        [
          'bad template',
          f.request('POST', '/organs/build', { body: { organ_template: { id: 'x' } } }),
          400,
          'invalid_template',
        ],
        [
          'unknown field',
          f.request('POST', `/organs/${id}/invoke`, { body: { input: 1, colour: 'red' } }),
          400,
          'invalid_request',
        ],
        [
          'bad state',
          f.request('POST', `/organs/${id}/status`, { body: { state: 'golden' } }),
          400,
          'invalid_request',
        ],
        ['unknown organ', f.request('GET', '/organs/organ-9999/status'), 404, 'not_found'],
        [
          'unknown pathway',
          f.request('POST', `/organs/${id}/invoke`, { body: { input: 'x', pathway: 'nope' } }),
          404,
          'not_found',
        ],
        ['not awaiting approval', f.request('POST', `/organs/${id}/approve`), 409, 'invalid_transition'],
        ['not running', f.request('DELETE', `/organs/${id}/build`), 409, 'not_running'],
        [
          'a cell fails',
          f.request('POST', `/organs/${id}/invoke`, { body: { input: { not: 'text' } } }),
          502,
          'cell_error',
        ],
        ['no token', f.request('GET', '/organs', { token: null }), 401, 'unauthorized'],
        ['a tenant token', f.request('GET', `/organs/${id}/status`, { token: tenant }), 403, 'forbidden'],
        // Organs are the admin's: a tenant learns nothing, not even whether an organ exists.
        [
          'a tenant token, unknown organ',
          f.request('GET', '/organs/organ-9999/status', { token: tenant }),
          403,
          'forbidden',
        ],
        [
          'a tenant token, a build',
          f.request('POST', '/organs/build', { body: { organ_template: voice }, token: tenant }),
          403,
          'forbidden',
        ],
      ];
      for (const [what, answer, status, code] of cases) {
        const res = await answer;
        assert.deepEqual([res.status, res.body.code], [status, code], what);
        conforms(NeiraError, res, what);
      }
      const failed = await f.request('POST', `/organs/${id}/invoke`, { body: { input: { not: 'text' } } });
      assert.equal(failed.body.cell, 'adapter:analysis.text_normalize.v1', 'the details stay in the answer');
      const bad = await f.request('POST', '/organs/build', { body: { organ_template: { id: 'x' } } });
      assert.ok(Array.isArray(bad.body.problems) && bad.body.problems.length > 0);
    });

    it('/openapi.json shows each organ answer with its schema', async () => {
      const doc = (await f.request('GET', '/openapi.json')).body;
      const responses = (path: string, method: string) => doc.paths[path][method].responses;
      const props = (r: any, code: string) =>
        Object.keys(r[code].content['application/json'].schema.properties);
      const status = responses('/organs/{id}/status', 'get');
      assert.deepEqual(props(status, '200'), Object.keys(OrganViewSchema.properties));
      assert.deepEqual(props(status, '4XX'), Object.keys(NeiraError.properties));
      assert.deepEqual(props(responses('/organs', 'get'), '200'), ['organs', 'next_cursor']);
      const build = responses('/organs/build', 'post');
      assert.deepEqual(props(build, '201'), ['organ_id', 'state']);
      assert.deepEqual(props(build, '200'), ['organ_id', 'state', 'report']);
      assert.deepEqual(props(responses('/organs/{id}/invoke', 'post'), '200'), [
        'output',
        'pathway',
        'trace',
      ]);
      for (const p of ['/organs/{id}/approve', '/organs/{id}/rebuild', '/organs/{id}/status']) {
        assert.deepEqual(props(responses(p, 'post'), '200'), ['id', 'state'], p);
      }
      assert.ok(responses('/organs/{id}/build', 'delete')['204'], 'the cancel answers 204');
    });
  });
}
