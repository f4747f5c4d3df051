import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellTemplate } from '../../../src/domain/cells/cell-template.js';
import {
  currentParams,
  extremes,
  paramValue,
  readSpace,
  withParams,
} from '../../../src/domain/training/params.js';

const template: CellTemplate = {
  id: 'analysis.summarize.v1',
  version: '1.0.0',
  analysis_type: 'summary',
  links: [],
  metadata: { schema: 'v1', sentences: 3, mode: 'short', temperature: 0.5 },
  confidence_threshold: 0.7,
  draft_content: 'keep me',
};

const problem = (raw: unknown, t: CellTemplate = template) => {
  const r = readSpace(raw, t);
  assert.ok(!Array.isArray(r), `accepted ${JSON.stringify(raw)}`);
  return r as { field: string; reason: string };
};

describe('parameter values', () => {
  it('reads the threshold and metadata keys of a template', () => {
    assert.equal(paramValue(template, 'confidence_threshold'), 0.7);
    assert.equal(paramValue(template, 'metadata.sentences'), 3);
    assert.equal(paramValue(template, 'metadata.absent'), undefined);
    const space = [
      ['confidence_threshold', { kind: 'choice', values: [0.5] }],
      ['metadata.mode', { kind: 'choice', values: ['a'] }],
      ['metadata.absent', { kind: 'choice', values: [1] }],
    ] as const;
    assert.deepEqual(currentParams(template, space), {
      confidence_threshold: 0.7,
      'metadata.mode': 'short',
      'metadata.absent': null,
    });
  });

  it('writes a candidate into a copy of the template with a new version, leaving the rest', () => {
    const t = withParams(template, { confidence_threshold: 0.9, 'metadata.sentences': 5 }, '1.0.1-train.1');
    assert.deepEqual(t, {
      ...template,
      version: '1.0.1-train.1',
      confidence_threshold: 0.9,
      metadata: { schema: 'v1', sentences: 5, mode: 'short', temperature: 0.5 },
    });
    assert.equal(template.metadata.sentences, 3, 'the original is untouched');
    const bare: CellTemplate = { id: 'x', version: '1.0.0', links: [], metadata: { schema: 'v1', n: 1 } };
    const b = withParams(bare, { 'metadata.n': 2 }, '1.0.1');
    assert.equal(Object.hasOwn(b, 'confidence_threshold'), false, 'no threshold appears from nowhere');
    assert.deepEqual(b.metadata, { schema: 'v1', n: 2 });
  });

  it('the extremes of a range are its ends, rounded for integers; of a choice every value', () => {
    assert.deepEqual(extremes({ kind: 'choice', values: ['a', 'b'] }), ['a', 'b']);
    assert.deepEqual(
      extremes({ kind: 'range', min: 0.2, max: 0.9, scale: 'linear', integer: false, steps: 3 }),
      [0.2, 0.9],
    );
    assert.deepEqual(
      extremes({ kind: 'range', min: 1.4, max: 5.6, scale: 'linear', integer: true, steps: 3 }),
      [1, 6],
    );
  });
});

describe('readSpace', () => {
  it('reads ranges with their defaults and choices', () => {
    assert.deepEqual(
      readSpace(
        {
          confidence_threshold: { min: 0, max: 1 },
          'metadata.sentences': { min: 1, max: 9, scale: 'log', integer: true, steps: 100 },
          'metadata.mode': { values: ['short', 'long'] },
        },
        template,
      ),
      [
        [
          'confidence_threshold',
          { kind: 'range', min: 0, max: 1, scale: 'linear', integer: false, steps: 5 },
        ],
        ['metadata.sentences', { kind: 'range', min: 1, max: 9, scale: 'log', integer: true, steps: 100 }],
        ['metadata.mode', { kind: 'choice', values: ['short', 'long'] }],
      ],
    );
    assert.ok(
      Array.isArray(readSpace({ 'metadata.temperature': { min: 0.5, max: 0.5, steps: 1 } }, template)),
    );
    assert.ok(
      Array.isArray(readSpace({ confidence_threshold: { values: [0, 1] } }, template)),
      'Array.isArray(readSpace({ confidence_threshold: { values: [0, 1] } }, template))',
    );
  });

  it('needs one to eight parameters', () => {
    for (const raw of [{}, null, [], 'x'])
      assert.deepEqual(problem(raw), {
        field: 'body.search.space',
        reason: 'body.search.space must name at least one parameter',
      });
    const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`metadata.k${i}`, { values: [1] }]));
    assert.deepEqual(problem(many), {
      field: 'body.search.space',
      reason: 'body.search.space names more than 8 parameters',
    });
    const t = {
      ...template,
      metadata: { schema: 'v1', ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 1])) },
    };
    const eight = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`metadata.k${i}`, { values: [1] }]),
    );
    assert.equal((readSpace(eight, t) as unknown[]).length, 8);
    assert.equal(problem({ x: 1 }, template).field, 'body.search.space.x');
    assert.equal((readSpace({ x: 1 }, template, 'search') as { field: string }).field, 'search.x');
    assert.deepEqual(readSpace({}, template, 'search'), {
      field: 'search',
      reason: 'search must name at least one parameter',
    });
  });

  it('only the threshold and metadata keys the template has (not schema) can be tuned', () => {
    const only = (name: string) =>
      `body.search.space.${name}: only confidence_threshold and metadata.<key> (not schema) can be tuned`;
    for (const name of ['version', 'metadata.', 'metadata.schema', 'confidence'])
      assert.deepEqual(problem({ [name]: { values: [1] } }), {
        field: `body.search.space.${name}`,
        reason: only(name),
      });
    assert.deepEqual(problem({ 'metadata.nope': { values: [1] } }), {
      field: 'body.search.space.metadata.nope',
      reason:
        'body.search.space.metadata.nope: the template analysis.summarize.v1@1.0.0 has no metadata.nope',
    });
  });

  it('refuses a spec that is neither a range nor a choice', () => {
    const at = 'body.search.space.metadata.sentences';
    const p = (spec: unknown) => problem({ 'metadata.sentences': spec });
    for (const spec of [null, 3, [1, 2]])
      assert.deepEqual(p(spec), {
        field: at,
        reason: `${at} must be {min, max, scale?, integer?, steps?} or {values}`,
      });
    for (const values of [[], 'ab', Array.from({ length: 101 }, (_, i) => i)])
      assert.deepEqual(p({ values }), {
        field: at,
        reason: `${at}.values must be a list of 1 to 100 values`,
      });
    assert.equal(
      (
        readSpace(
          { 'metadata.sentences': { values: Array.from({ length: 100 }, (_, i) => i) } },
          template,
        ) as unknown[]
      ).length,
      1,
    );
    assert.deepEqual(p({ min: 1, max: 2, step: 1 }), {
      field: `${at}.step`,
      reason: `${at}.step: unknown key`,
    });
    for (const spec of [{ min: 2, max: 1 }, { max: 1 }, { min: 0, max: Infinity }, { min: '1', max: 2 }])
      assert.deepEqual(p(spec), { field: at, reason: `${at} needs numbers min ≤ max` });
    assert.deepEqual(p({ min: 1, max: 2, scale: 'exp' }), {
      field: `${at}.scale`,
      reason: `${at}.scale is linear or log`,
    });
    assert.deepEqual(p({ min: 0, max: 2, scale: 'log' }), {
      field: `${at}.min`,
      reason: `${at}.min must be above 0 on a log scale`,
    });
    assert.deepEqual(p({ min: 1, max: 2, integer: 'yes' }), {
      field: `${at}.integer`,
      reason: `${at}.integer is a boolean`,
    });
    for (const steps of [0, 101, 2.5, '3'])
      assert.deepEqual(p({ min: 1, max: 2, steps }), {
        field: `${at}.steps`,
        reason: `${at}.steps is an integer from 1 to 100`,
      });
  });

  it('keeps the threshold between 0 and 1, and ranges to numeric parameters', () => {
    const at = 'body.search.space.confidence_threshold';
    for (const spec of [
      { min: -0.1, max: 1 },
      { min: 0, max: 1.1 },
    ])
      assert.deepEqual(problem({ confidence_threshold: spec }), {
        field: at,
        reason: `${at}: confidence_threshold is between 0 and 1 in the template's schema`,
      });
    for (const values of [[1.5], [-1], ['0.5'], [Number.NaN]])
      assert.deepEqual(problem({ confidence_threshold: { values } }), {
        field: at,
        reason: `${at}.values: confidence_threshold is a number between 0 and 1`,
      });
    // Any values may be listed for a metadata key, numbers or not.
    assert.ok(
      Array.isArray(readSpace({ 'metadata.sentences': { values: [-1, 'x', 2] } }, template)),
      "Array.isArray(readSpace({ 'metadata.sentences': { values: [-1, 'x', 2] } }, template))",
    );
    assert.deepEqual(problem({ 'metadata.mode': { min: 1, max: 2 } }), {
      field: 'body.search.space.metadata.mode',
      reason:
        "body.search.space.metadata.mode: the template's metadata.mode is not a number, so it has no numeric range",
    });
    // A range over the threshold needs no current value in the template.
    const { confidence_threshold: _, ...noThreshold } = template;
    assert.ok(
      Array.isArray(readSpace({ confidence_threshold: { min: 0, max: 1 } }, noThreshold)),
      'Array.isArray(readSpace({ confidence_threshold: { min: 0, max: 1 } }, noThreshold))',
    );
  });
});
