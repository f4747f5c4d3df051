import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalJson,
  cellTypeOf,
  readFabricationRequest,
  templateHash,
  validateCellTemplate,
  type CellTemplate,
} from '../../src/domain/cells/cell-template.js';

const valid = { id: 'analysis.echo.v1', version: '1.0.0', analysis_type: 'echo', metadata: { schema: 'v1' } };

const problems = (raw: unknown): string[] => {
  const r = validateCellTemplate(raw);
  assert.ok(!r.ok, `accepted ${JSON.stringify(raw)}`);
  assert.equal(r.error.code, 'invalid_template');
  const list = r.error.details?.problems as string[];
  assert.equal(r.error.reason, `invalid cell template: ${list.join('; ')}`);
  return list;
};

describe('validateCellTemplate', () => {
  it('accepts a template, defaulting its links', () => {
    assert.deepEqual(validateCellTemplate(valid), { ok: true, value: { ...valid, links: [] } });
    const full = {
      id: 'X-1_a.b',
      version: '2.0.0-rc.1+b',
      action_type: 'speak',
      links: ['a', 'b'],
      metadata: { schema: '1.2.3', extra: true },
      confidence_threshold: 1,
      draft_content: 'text',
    };
    assert.deepEqual(validateCellTemplate(full), { ok: true, value: full });
    assert.ok(
      validateCellTemplate({ ...valid, confidence_threshold: 0 }).ok,
      'validateCellTemplate({ ...valid, confidence_threshold: 0 }).ok',
    );
  });

  it('a template is an object', () => {
    for (const raw of [null, 5, 'x']) assert.deepEqual(problems(raw), ['$: must be object']);
    assert.equal(problems([valid])[0], '$: must be object');
  });

  it('lists every problem with its JSON path', () => {
    assert.deepEqual(problems({}), [
      '$.id: required',
      '$.version: required',
      '$.metadata: required',
      '$: one of analysis_type or action_type is required',
    ]);
    assert.deepEqual(problems({ ...valid, extra: 1, metadata: {} }), [
      '$.extra: unknown key',
      '$.metadata.schema: required',
    ]);
    assert.deepEqual(problems({ ...valid, metadata: { schema: 'v2' } }), [
      '$.metadata.schema: must be "v1" or "1.x.y"',
    ]);
    assert.deepEqual(problems({ ...valid, confidence_threshold: 1.5 }), [
      '$.confidence_threshold: must be <= 1',
    ]);
    assert.deepEqual(problems({ ...valid, id: '-x' }), [
      '$.id: must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"',
    ]);
    assert.match(problems({ ...valid, links: ['a', 'a'] })[0]!, /^\$\.links: must NOT have duplicate items/);
  });

  it('needs a SemVer version, and exactly one of analysis_type and action_type', () => {
    assert.deepEqual(problems({ ...valid, version: '1.0.0.0' }), [
      '$.version: "1.0.0.0" is not a SemVer version (MAJOR.MINOR.PATCH)',
    ]);
    assert.deepEqual(problems({ ...valid, action_type: 'speak' }), [
      '$: give analysis_type or action_type, not both',
    ]);
    const { analysis_type: _, ...neither } = valid;
    assert.deepEqual(problems(neither), ['$: one of analysis_type or action_type is required']);
    assert.deepEqual(problems({ ...neither, analysis_type: 3 }), [
      '$.analysis_type: must be string',
      '$: one of analysis_type or action_type is required',
    ]);
  });
});

describe('cell type, canonical JSON and hash', () => {
  it('the cell type is the analysis or action type', () => {
    assert.equal(cellTypeOf({ ...valid, links: [] }), 'echo');
    assert.equal(
      cellTypeOf({ id: 'x', version: '1.0.0', action_type: 'speak', links: [], metadata: { schema: 'v1' } }),
      'speak',
    );
    assert.equal(cellTypeOf({ id: 'x', version: '1.0.0', links: [], metadata: { schema: 'v1' } }), '');
  });

  it('writes keys sorted at every level, drops undefined members, keeps array order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined }),
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    assert.equal(canonicalJson([2, 1, null]), '[2,1,null]');
    assert.equal(canonicalJson('é'), '"é"');
    assert.equal(canonicalJson({}), '{}');
    assert.equal(canonicalJson({ B: 1, a: 2, '10': 3, '9': 4 }), '{"10":3,"9":4,"B":1,"a":2}');
  });

  it('equal templates hash equally however their keys are ordered', () => {
    const a: CellTemplate = { ...valid, links: [] };
    const b = JSON.parse(
      '{"metadata":{"schema":"v1"},"links":[],"analysis_type":"echo","version":"1.0.0","id":"analysis.echo.v1"}',
    ) as CellTemplate;
    assert.equal(templateHash(a), templateHash(b));
    assert.match(templateHash(a), /^[0-9a-f]{64}$/);
    assert.notEqual(templateHash(a), templateHash({ ...a, version: '1.0.1' }));
  });
});

describe('readFabricationRequest', () => {
  it('reads the flat shape, defaulting to the adapter backend with hitl on', () => {
    assert.deepEqual(readFabricationRequest({ ...valid }), {
      ok: true,
      value: { backend: 'adapter', hitl: true, template: valid },
    });
    assert.deepEqual(readFabricationRequest({ mode: 'script', hitl: false, ...valid }), {
      ok: true,
      value: { backend: 'script', hitl: false, template: valid },
    });
  });

  it('reads a wrapped template under tpl, template or spec; backend wins over mode', () => {
    for (const key of ['tpl', 'template', 'spec'])
      assert.deepEqual(readFabricationRequest({ backend: 'wasm', mode: 'script', [key]: valid, other: 1 }), {
        ok: true,
        value: { backend: 'wasm', hitl: true, template: valid },
      });
    const r = readFabricationRequest({ tpl: 'a', template: 'b', spec: 'c' });
    assert.ok(r.ok, 'r.ok');
    assert.equal(r.value.template, 'a');
  });

  it('refuses a body that is not an object, an unknown backend and a hitl that is not a boolean', () => {
    for (const body of [null, 'x', [valid]])
      assert.deepEqual(readFabricationRequest(body), {
        ok: false,
        error: { code: 'invalid_request', reason: 'body must be a JSON object holding a cell template' },
      });
    for (const backend of ['docker', 3])
      assert.deepEqual(readFabricationRequest({ backend, ...valid }), {
        ok: false,
        error: {
          code: 'invalid_request',
          reason: 'backend must be one of adapter, script, wasm',
          details: { field: 'body.backend' },
        },
      });
    assert.equal(readFabricationRequest({ mode: 'x' }).ok, false);
    assert.deepEqual(readFabricationRequest({ hitl: 'yes', ...valid }), {
      ok: false,
      error: { code: 'invalid_request', reason: 'hitl must be a boolean', details: { field: 'body.hitl' } },
    });
  });
});
