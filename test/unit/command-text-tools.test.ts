import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestIntents, INTENT_NAMES, INTENTS } from '../../src/domain/commands/intents.js';
import { jsonDiff } from '../../src/domain/commands/json-diff.js';
import { redactSecrets } from '../../src/domain/commands/redact.js';

describe('redactSecrets', () => {
  it('replaces fabrica tokens, API keys, URL credentials and labelled secrets', () => {
    assert.equal(redactSecrets('use fab_abcdEFGH1234 now'), 'use [redacted] now');
    assert.equal(redactSecrets('key sk-0123456789abcdefXYZ here'), 'key [redacted] here');
    assert.equal(redactSecrets('pk-0123456789abcdef and rk-0123456789abcdef'), '[redacted] and [redacted]');
    assert.equal(
      redactSecrets('fetch https://bob:hunter22@example.com/x'),
      'fetch https://[redacted]@example.com/x',
    );
    assert.equal(redactSecrets('password: s3cretpass1'), '[redacted]');
    assert.equal(redactSecrets('Bearer abcdefgh12345'), '[redacted]');
    assert.equal(redactSecrets('token=abcdefgh12345'), '[redacted]');
    assert.equal(redactSecrets('token : abcdefgh12345'), '[redacted]');
  });

  it('replaces every occurrence, not only the first', () => {
    assert.equal(redactSecrets('fab_aaaaaaaa1 fab_bbbbbbbb2'), '[redacted] [redacted]');
    assert.equal(redactSecrets('TOKEN abcdefgh1 token abcdefgh2'), '[redacted] [redacted]');
  });

  it('leaves ordinary text and short look-alikes alone', () => {
    for (const text of [
      'build speak-pipeline normalize -> phonemes',
      'fab_short',
      'sk-tooshort',
      'task-0123456789abcdefgh',
      'https://example.com/path',
      'the token was ok',
      'password: short',
    ])
      assert.equal(redactSecrets(text), text);
  });
});

describe('jsonDiff', () => {
  it('lists additions, removals and changes by path, sorted, with a line for each', () => {
    const d = jsonDiff(
      { version: '0.1.0', metadata: { a: 1, z: true }, gone: 'x', list: [1, 2] },
      { version: '2.0.0', metadata: { a: 1, grayscale: true }, list: [2, 1], fresh: null },
    );
    assert.deepEqual(d.added, [
      { path: '$.metadata.grayscale', value: true },
      { path: '$.fresh', value: null },
    ]);
    assert.deepEqual(d.removed, [
      { path: '$.gone', value: 'x' },
      { path: '$.metadata.z', value: true },
    ]);
    assert.deepEqual(d.changed, [
      { path: '$.list', from: [1, 2], to: [2, 1] },
      { path: '$.version', from: '0.1.0', to: '2.0.0' },
    ]);
    assert.deepEqual(d.lines, [
      '+ $.metadata.grayscale: true',
      '+ $.fresh: null',
      '- $.gone: "x"',
      '- $.metadata.z: true',
      '~ $.list: [1,2] → [2,1]',
      '~ $.version: "0.1.0" → "2.0.0"',
    ]);
  });

  it('sorts keys within each level', () => {
    const d = jsonDiff({ b: 1, a: 1 }, { d: 1, c: 1 });
    assert.deepEqual(
      d.removed.map((x) => x.path),
      ['$.a', '$.b'],
    );
    assert.deepEqual(
      d.added.map((x) => x.path),
      ['$.c', '$.d'],
    );
  });

  it('finds nothing between equal documents', () => {
    const doc = { a: { b: [1, { c: 2 }] }, d: 'x' };
    assert.deepEqual(jsonDiff(doc, structuredClone(doc)), { added: [], removed: [], changed: [], lines: [] });
  });

  it('a value that turns from an object into a scalar (or back) is one change', () => {
    assert.deepEqual(jsonDiff({ a: { b: 1 } }, { a: 2 }).changed, [{ path: '$.a', from: { b: 1 }, to: 2 }]);
    assert.deepEqual(jsonDiff({ a: [1] }, { a: { 0: 1 } }).changed, [
      { path: '$.a', from: [1], to: { 0: 1 } },
    ]);
    assert.deepEqual(jsonDiff({ a: null }, { a: {} }).changed, [{ path: '$.a', from: null, to: {} }]);
    assert.deepEqual(jsonDiff(1, 2).lines, ['~ $: 1 → 2']);
  });

  it('against nothing, every top-level key of an object is added; anything else is added whole', () => {
    for (const before of [null, undefined]) {
      const d = jsonDiff(before, { id: 'x', v: 1 });
      assert.deepEqual(d.added, [
        { path: '$.id', value: 'x' },
        { path: '$.v', value: 1 },
      ]);
      assert.deepEqual(d.removed, []);
      assert.deepEqual(d.changed, []);
    }
    assert.deepEqual(jsonDiff(null, [1]).lines, ['+ $: [1]']);
    assert.deepEqual(jsonDiff(undefined, 'text').added, [{ path: '$', value: 'text' }]);
  });
});

describe('intents', () => {
  it('every intent has a verb and an example in English and Russian', () => {
    assert.equal(INTENT_NAMES.length, 11);
    for (const name of INTENT_NAMES) {
      assert.match(name, /^[a-z_]+\.[a-z_]+$/);
      assert.ok(INTENTS[name].en.length > 5 && INTENTS[name].ru.length > 5, name);
    }
  });

  it('the closest intents are those of the verb, else the three most used', () => {
    assert.deepEqual(closestIntents('approve'), ['cell.approve', 'organ.approve']);
    assert.deepEqual(closestIntents('update'), ['cell.new_version', 'organ.new_version']);
    assert.deepEqual(closestIntents('build'), ['organ.build']);
    assert.deepEqual(closestIntents(null), ['organ.build', 'cell.new_version', 'status.show']);
  });
});

describe('redactSecrets in Russian', () => {
  it('replaces a secret labelled пароль or токен, at the start of the text or after a word', () => {
    assert.equal(redactSecrets('пароль qwertyuiop'), '[redacted]');
    assert.equal(redactSecrets('мой пароль: qwertyuiop, запомни'), 'мой [redacted] запомни');
    assert.equal(redactSecrets('Токен=abcdefgh123'), '[redacted]');
  });

  it('leaves a label inside a longer word alone', () => {
    assert.equal(redactSecrets('суперпароль qwertyuiop'), 'суперпароль qwertyuiop');
    assert.equal(redactSecrets('mypassword qwertyuiop'), 'mypassword qwertyuiop');
  });
});
