import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

describe('the LLM factory family in /openapi.json', () => {
  let f: TestFabrica;
  before(async () => {
    f = await startTestFabrica('sqlite');
  });
  after(() => f.close());

  it('documents the answer of every route under /llm with its schema, besides the family error', async () => {
    const doc = (await f.request('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    const routes = Object.entries(doc.paths).filter(([path]) => path.startsWith('/llm'));
    assert.ok(routes.length >= 20, `only ${routes.length} /llm paths`);
    for (const [path, ops] of routes) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        const answers = Object.entries(op.responses).filter(([status]) => /^(1|2)\d\d$/.test(status));
        assert.equal(answers.length, 1, `${where} documents ${answers.length} answers`);
        const [[status, answer]] = answers as [[string, Operation['responses'][string]]];
        const schema = Object.values(answer.content ?? {})[0]?.schema as
          { properties?: Record<string, { type?: string }> } | undefined;
        assert.ok(schema !== undefined, `${where} ${status} has no schema`);
        if (status !== '101') {
          // The family's envelope, around a documented value.
          assert.deepEqual(schema.properties?.success, { type: 'boolean', enum: [true] }, where);
          assert.ok(schema.properties?.data !== undefined, `${where}: no data`);
        }
        const error = op.responses['4XX']?.content?.['application/json']?.schema as
          { properties?: Record<string, unknown> } | undefined;
        assert.ok(
          error?.properties?.success !== undefined,
          `${where}: its errors are not the family's envelope`,
        );
      }
    }
  });
});
