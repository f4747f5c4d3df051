import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { Nullable, View } from '../src/contract/common.js';
import { addErrorResponses, checkResponses } from '../src/http/response-contract.js';
import type { App } from '../src/http/app-deps.js';
import { startTestFabrica, type TestFabrica } from './support/app.js';

type Operation = { responses?: Record<string, { description?: string; content?: Record<string, unknown> }> };

describe('the API contract', () => {
  let t: TestFabrica;
  before(async () => {
    t = await startTestFabrica('sqlite');
  });
  after(() => t.close());

  it('documents a success answer and the error bodies of every route in /openapi.json', async () => {
    const doc = (await t.request('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    assert.ok(operations.length >= 60, `only ${operations.length} operations documented`);
    const undocumented = operations.filter(({ op }) => {
      const success = Object.entries(op.responses ?? {}).filter(([status]) => /^(2\d\d|101)$/.test(status));
      return (
        success.length === 0 ||
        success.some(([, r]) => r.description === 'Default Response' && r.content === undefined)
      );
    });
    assert.deepEqual(
      undocumented.map((o) => o.route),
      [],
      'routes without a documented success answer',
    );
    const withoutErrors = operations.filter(
      ({ op }) => !['4XX', '5XX'].every((s) => s in (op.responses ?? {})),
    );
    assert.deepEqual(
      withoutErrors.map((o) => o.route),
      [],
      'routes without documented error bodies',
    );
  });

  it('documents the LLM family errors in its envelope and the others as {code, reason, request_id}', async () => {
    const doc = (await t.request('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    const errorOf = (path: string) => {
      const op = Object.values(doc.paths[path]!)[0]!;
      const body = op.responses!['4XX']!.content!['application/json'] as { schema: { properties: object } };
      return Object.keys(body.schema.properties);
    };
    assert.ok(errorOf('/llm/factory/runs').includes('success'));
    assert.ok(errorOf('/capabilities').includes('reason'));
    assert.ok(!errorOf('/capabilities').includes('success'));
  });
});

describe('the response check (FABRICA_CHECK_RESPONSES)', () => {
  let app: App;
  before(async () => {
    app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    app.addHook('onRoute', addErrorResponses);
    checkResponses(app);
    const Thing = View({ id: Type.String(), size: Nullable(Type.Integer()) });
    app.get('/ok', { schema: { response: { 200: Thing } } }, () => ({ id: 'a', size: null }));
    // Each of these would be sent silently without the check: the serialiser drops or coerces.
    app.get(
      '/extra',
      { schema: { response: { 200: Thing } } },
      () => ({ id: 'a', size: 1, secret: 'x' }) as never,
    );
    app.get('/wrong-type', { schema: { response: { 200: Thing } } }, () => ({ id: 'a', size: '1' }) as never);
    app.get('/missing', { schema: { response: { 200: Thing } } }, () => ({ size: 1 }) as never);
    await app.ready();
  });
  after(() => app.close());

  it('passes an answer that matches its schema', async () => {
    const r = await app.inject({ method: 'GET', url: '/ok' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { id: 'a', size: null });
  });

  for (const [url, problem] of [
    ['/extra', 'secret'],
    ['/wrong-type', '/size'],
    ['/missing', 'id'],
  ] as const) {
    it(`turns ${url} into a 500 naming the field`, async () => {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 500);
      assert.match(r.body, new RegExp(problem.replace('/', '\\/')));
    });
  }
});
