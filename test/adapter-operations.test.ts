import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperationConfig } from '../src/runtime/adapter/operation.js';
import { defineOperation, UNEXPECTED } from '../src/runtime/adapter/operation.js';
import { OPERATIONS, operationFor, operationNames } from '../src/runtime/adapter/registry.js';

type Meta = Record<string, unknown>;
const cfg = (metadata: Meta = {}, extra: Partial<OperationConfig> = {}): OperationConfig => ({
  metadata,
  links: [],
  ...extra,
});
const run = (type: string, input: unknown, metadata: Meta = {}, extra: Partial<OperationConfig> = {}) => {
  const op = operationFor(type);
  assert.ok(op, `no operation ${type}`);
  return op.run(input, cfg(metadata, extra));
};
const out = (...args: Parameters<typeof run>): unknown => {
  const r = run(...args);
  assert.ok(r.ok, `expected success, got: ${r.ok ? '' : r.reason}`);
  return r.output;
};
const why = (...args: Parameters<typeof run>): string => {
  const r = run(...args);
  assert.equal(r.ok, false, `expected a cell error, got ${JSON.stringify(r)}`);
  return (r as { reason: string }).reason;
};
const problemsOf = (type: string, metadata: Meta, extra: Partial<OperationConfig> = {}) =>
  operationFor(type)!.validateConfig(cfg(metadata, extra));

const STRING_OPS = ['reverse', 'uppercase', 'lowercase', 'text_normalize', 'text_to_phonemes', 'speak'];
const LINKS = { links: ['cell.hi', 'cell.lo'] };
const ROUTE = { threshold: 0.5, above: 'cell.hi', below: 'cell.lo' };
const CLASSES = { classes: { spam: ['buy now', 'cheap'], ham: ['meeting', 'report'] } };
/** A config each operation accepts, so odd inputs reach `run` itself. */
const VALID: Record<string, [Meta, Partial<OperationConfig>]> = {
  classify: [CLASSES, {}],
  json_pick: [{ path: 'a.b[0]' }, {}],
  template: [{ template: 'Hi {{input}} {{a.b}}' }, {}],
  route: [ROUTE, LINKS],
};

describe('adapter operations: registry', () => {
  it('lists every operation under its name, and the aliases', () => {
    const ops = ['classify', 'echo', 'json_pick', 'lowercase', 'reverse', 'route', 'speak', 'summary'];
    const more = ['template', 'text_normalize', 'text_to_phonemes', 'uppercase', 'word_count'];
    const aliases = ['echo_adapter', 'reverse_adapter', 'speak_adapter'];
    assert.deepEqual(operationNames(), [...ops, ...more, ...aliases].sort());
    for (const [key, op] of OPERATIONS) {
      assert.ok(op.description.length > 10, key);
      if (!aliases.includes(key)) assert.equal(op.name, key);
    }
    assert.equal(operationFor('speak_adapter'), operationFor('speak'));
    assert.equal(operationFor('reverse_adapter'), operationFor('reverse'));
    for (const t of ['nope', '__proto__', 'constructor', 'Echo']) assert.equal(operationFor(t), undefined);
  });

  it('turns a throw into a cell error instead of letting it escape', () => {
    const boom = defineOperation({
      name: 'boom',
      description: 'throws',
      settings: (c) => (c.links.length > 0 ? { ok: true, value: 1 } : assert.fail('settings threw')),
      run: () => {
        throw new Error('kaput');
      },
    });
    assert.deepEqual(boom.run('x', cfg({}, { links: ['l'] })), {
      ok: false,
      reason: `boom ${UNEXPECTED}: kaput`,
    });
    assert.match(boom.validateConfig(cfg())[0]!, new RegExp(`config check ${UNEXPECTED}: settings threw`));
  });
});

describe('adapter operations: text', () => {
  const cases: [string, unknown, unknown][] = [
    ['echo', 'Нейра', 'Нейра'],
    ['echo', { a: [1] }, { a: [1] }],
    ['echo_adapter', 7, 7],
    ['reverse', 'abc', 'cba'],
    ['reverse', 'Нейра 👍🏽!', '!🏽👍 арйеН'],
    ['reverse_adapter', '', ''],
    ['uppercase', 'нейра abc ß', 'НЕЙРА ABC SS'],
    ['lowercase', 'НЕЙРА ABC', 'нейра abc'],
    ['text_normalize', 'Нейра   ГОВОРИТ ', 'нейра говорит'],
    ['text_normalize', '\t A\n\u00a0\u2003B  ', 'a b'],
    ['text_normalize', 'и\u0306', 'й'], // NFD й composes
    ['speak', 'N-YE-I-R-A', 'N-YE-I-R-A'],
    ['speak_adapter', 'G-O', 'G-O'],
  ];
  for (const [type, input, expected] of cases) {
    it(`${type}(${JSON.stringify(input)}) → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(out(type, input), expected);
    });
  }

  it('refuses input that is not a string, and echo refuses a missing input', () => {
    for (const type of [...STRING_OPS, 'summary', 'word_count']) {
      for (const bad of [42, null, undefined, { text: 'x' }, ['x']]) {
        assert.equal(why(type, bad), 'input must be a string', `${type} ${String(bad)}`);
      }
    }
    assert.equal(why('classify', 1, CLASSES), 'input must be a string');
    assert.equal(why('echo', undefined), 'input is missing');
    assert.match(why('speak', ''), /nothing to speak/);
    assert.match(why('speak_adapter', ' \n '), /nothing to speak/);
  });
});

describe('adapter operations: text_to_phonemes', () => {
  const cases: [string, string][] = [
    ['Нейра говорит', 'N-YE-I-R-A G-O-V-O-R-I-T'],
    ['нейра говорит', 'N-YE-I-R-A G-O-V-O-R-I-T'],
    ['НЕЙРА гОвОрИт', 'N-YE-I-R-A G-O-V-O-R-I-T'],
    ['Не\u0438\u0306ра', 'N-YE-I-R-A'], // decomposed й
    [
      'абвгдеёжзийклмнопрстуфхцчшщъыьэюя',
      'A-B-V-G-D-YE-YO-ZH-Z-I-I-K-L-M-N-O-P-R-S-T-U-F-KH-TS-CH-SH-SHCH-Y-E-YU-YA',
    ],
    ['объём, щи и ёж!', 'O-B-YO-M SHCH-I I YO-ZH'],
    ['Hello 42 мир', 'H-E-L-L-O 4-2 M-I-R'],
    ['всё-таки «да»', 'V-S-YO-T-A-K-I D-A'],
    ['  ... !!! ', ''],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(out('text_to_phonemes', input), expected);
    });
  }

  it('runs the voice pathway of the examples: text_normalize → text_to_phonemes → speak_adapter', () => {
    let value: unknown = '  Нейра   говорит  ';
    for (const type of ['text_normalize', 'text_to_phonemes', 'speak_adapter']) value = out(type, value);
    assert.equal(value, 'N-YE-I-R-A G-O-V-O-R-I-T');
  });
});

describe('adapter operations: summary and word_count', () => {
  const cats =
    'Cats are wonderful pets. The weather was cold yesterday. Cats sleep a lot and cats play. I bought bread.';
  const cases: [string, Meta, string][] = [
    [cats, {}, 'Cats are wonderful pets. Cats sleep a lot and cats play.'],
    [cats, { sentences: 1 }, 'Cats sleep a lot and cats play.'],
    ['Alpha beta. Gamma delta. Epsilon zeta.', {}, 'Alpha beta. Gamma delta.'],
    [
      'The the the the and the. Rain falls on the plain. Rain is wet.',
      { sentences: 1 },
      'Rain falls on the plain.',
    ],
    ['И в и на и в. Дождь идёт. Дождь мокрый.', { sentences: 1 }, 'Дождь идёт.'],
    ['Is it raining?\n Yes!   It is', { sentences: 50 }, 'Is it raining? Yes! It is'],
    ['   ', {}, ''],
  ];
  for (const [text, metadata, expected] of cases) {
    it(`summarises ${JSON.stringify(text.slice(0, 30))} with ${JSON.stringify(metadata)}`, () => {
      assert.equal(out('summary', text, metadata), expected);
    });
  }

  it('checks metadata.sentences', () => {
    const problem = 'metadata.sentences must be a positive integer no greater than 50';
    for (const sentences of [0, -1, 2.5, 51, '3', null, Number.NaN]) {
      assert.deepEqual(problemsOf('summary', { sentences }), [problem], String(sentences));
      assert.equal(why('summary', 'A. B.', { sentences }), `invalid config: ${problem}`);
    }
    for (const sentences of [1, 50, undefined]) assert.deepEqual(problemsOf('summary', { sentences }), []);
  });

  it('counts words, code points and sentences', () => {
    assert.deepEqual(out('word_count', 'Нейра говорит. Hello, world! 👍🏽'), {
      words: 4,
      characters: 31,
      sentences: 3,
    });
    assert.deepEqual(out('word_count', "don't stop-words 42"), { words: 3, characters: 19, sentences: 1 });
    assert.deepEqual(out('word_count', ''), { words: 0, characters: 0, sentences: 0 });
  });
});

describe('adapter operations: classify', () => {
  const cases: [string, number | undefined, { label: string; confidence: number; scores: Meta }][] = [
    [
      'Buy now, CHEAP cheap pills',
      undefined,
      { label: 'spam', confidence: 1, scores: { spam: 0.8, ham: 0 } },
    ],
    [
      'cheap meeting report',
      undefined,
      { label: 'ham', confidence: 2 / 3, scores: { spam: 1 / 3, ham: 2 / 3 } },
    ],
    [
      'cheap meeting report',
      0.7,
      { label: 'unknown', confidence: 2 / 3, scores: { spam: 1 / 3, ham: 2 / 3 } },
    ],
    ['cheap meeting', undefined, { label: 'spam', confidence: 0.5, scores: { spam: 0.5, ham: 0.5 } }],
    ['the cheapest now buy', undefined, { label: 'unknown', confidence: 0, scores: { spam: 0, ham: 0 } }],
    ['', undefined, { label: 'unknown', confidence: 0, scores: { spam: 0, ham: 0 } }],
  ];
  for (const [text, threshold, expected] of cases) {
    it(`classifies ${JSON.stringify(text)} (threshold ${String(threshold)})`, () => {
      const extra = threshold === undefined ? {} : { confidenceThreshold: threshold };
      assert.deepEqual(out('classify', text, CLASSES, extra), expected);
    });
  }

  it('keeps a label named __proto__ as plain data', () => {
    const classes = JSON.parse('{"__proto__": ["x"], "b": ["y"]}');
    const r = out('classify', 'x x y', { classes }) as { label: string; scores: Meta };
    assert.equal(r.label, '__proto__');
    assert.ok(Object.hasOwn(r.scores, '__proto__'));
  });

  it('checks metadata.classes and confidence_threshold', () => {
    const shape = 'metadata.classes must be a non-empty object mapping each label to a list of keywords';
    for (const classes of [undefined, null, {}, [], 'spam', [['a']]]) {
      assert.deepEqual(problemsOf('classify', { classes }), [shape], JSON.stringify(classes));
    }
    assert.deepEqual(problemsOf('classify', { classes: { spam: [], ham: 'x', ok: ['y'] } }), [
      'metadata.classes.spam must be a non-empty array of keywords',
      'metadata.classes.ham must be a non-empty array of keywords',
    ]);
    assert.deepEqual(problemsOf('classify', { classes: { a: ['ok', 3, '!!'] } }), [
      'metadata.classes.a[1] must be a string with at least one letter or digit',
      'metadata.classes.a[2] must be a string with at least one letter or digit',
    ]);
    assert.match(problemsOf('classify', { classes: { unknown: ['x'] } }).join(), /"unknown" is reserved/);
    for (const confidenceThreshold of [-0.1, 1.5, Number.NaN]) {
      assert.deepEqual(problemsOf('classify', CLASSES, { confidenceThreshold }), [
        'confidence_threshold must be a number between 0 and 1',
      ]);
    }
    assert.deepEqual(problemsOf('classify', CLASSES, { confidenceThreshold: 1 }), []);
  });
});

describe('adapter operations: json_pick and template', () => {
  const doc = { a: { b: [{ c: 5 }, null], 'x y': 'space' }, list: [1, [2, 3]] };
  const picks: [unknown, string, unknown][] = [
    [doc, 'a.b[0].c', 5],
    [JSON.stringify(doc), 'a.b[0].c', 5],
    [doc, 'a.b[1]', null],
    [doc, 'a.x y', 'space'],
    [doc, 'list[1][0]', 2],
    ['[[1,2],[3]]', '[1][0]', 3],
  ];
  for (const [input, path, expected] of picks) {
    it(`json_pick ${path} → ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(out('json_pick', input, { path }), expected));
  }

  it('json_pick names the missing step and refuses bad input and paths', () => {
    const missing: [string, string][] = [
      ['a.z.c', 'a.z'],
      ['a.b[5].c', 'a.b[5]'],
      ['list.length', 'list.length'],
      ['__proto__', '__proto__'],
      ['a.constructor', 'a.constructor'],
      ['a.b[0].c.d', 'a.b[0].c.d'],
    ];
    for (const [path, at] of missing) assert.equal(why('json_pick', doc, { path }), `path ${at} not found`);
    assert.match(why('json_pick', '{not json', { path: 'a' }), /^input is not valid JSON: /);
    assert.equal(why('json_pick', 42, { path: 'a' }), 'input must be an object, an array or a JSON string');
    for (const path of [undefined, '', 7])
      assert.match(problemsOf('json_pick', { path }).join(), /metadata.path must be/);
    for (const path of ['a..b', '.a', 'a.', 'a[x]', 'a[0]b', '[01]', 'a[0']) {
      assert.match(problemsOf('json_pick', { path }).join(), /is not a valid path/, path);
    }
  });

  it('template fills placeholders from an object, a string or a number', () => {
    const template = 'Hello, {{name}}! You are {{ age }}; {{user.tags[1]}} {{user}}';
    const input = { name: 'Нейра', age: 3, user: { tags: ['a', 'b'] } };
    assert.equal(out('template', input, { template }), 'Hello, Нейра! You are 3; b {"tags":["a","b"]}');
    assert.equal(out('template', 'мир', { template: 'Привет, {{input}}!' }), 'Привет, мир!');
    assert.equal(out('template', 5, { template: '{{input}}{{input}}' }), '55');
    assert.equal(out('template', {}, { template: 'no placeholders' }), 'no placeholders');
  });

  it('template names every placeholder without a value, and checks its config', () => {
    assert.equal(
      why('template', { a: 1 }, { template: '{{a}} {{b}} {{c.d}} {{b}}' }),
      'no value in the input for {{b}}, {{c.d}}',
    );
    assert.equal(why('template', 'x', { template: '{{name}}' }), 'no value in the input for {{name}}');
    assert.equal(why('template', null, { template: 'x' }), 'input must be an object or a string');
    assert.deepEqual(problemsOf('template', {}), ['metadata.template must be a string']);
    assert.deepEqual(problemsOf('template', { template: '{{a..b}} {{}} {{ok}}' }), [
      'metadata.template placeholder {{a..b}} is not a valid name',
      'metadata.template placeholder {{}} is not a valid name',
    ]);
  });
});

describe('adapter operations: route', () => {
  const cases: [unknown, Meta, unknown][] = [
    [{ confidence: 0.7 }, ROUTE, { route: 'cell.hi', value: 0.7 }],
    [{ confidence: 0.5 }, ROUTE, { route: 'cell.hi', value: 0.5 }],
    [{ confidence: 0.2 }, ROUTE, { route: 'cell.lo', value: 0.2 }],
    [0.9, ROUTE, { route: 'cell.hi', value: 0.9 }],
    [{ scores: { spam: 0.1 } }, { ...ROUTE, field: 'scores.spam' }, { route: 'cell.lo', value: 0.1 }],
  ];
  for (const [input, metadata, expected] of cases) {
    it(`routes ${JSON.stringify(input)}`, () =>
      assert.deepEqual(out('route', input, metadata, LINKS), expected));
  }

  it('routes the output of classify', () => {
    const label = out('classify', 'buy now', CLASSES);
    assert.deepEqual(out('route', label, ROUTE, LINKS), { route: 'cell.hi', value: 1 });
  });

  it('refuses input without the number and configs with foreign links', () => {
    assert.equal(why('route', { confidence: '0.9' }, ROUTE, LINKS), 'input.confidence must be a number');
    assert.equal(why('route', {}, ROUTE, LINKS), 'input.confidence must be a number');
    assert.match(why('route', 'high', ROUTE, LINKS), /^input must be an object with a number at confidence/);
    assert.deepEqual(problemsOf('route', ROUTE, LINKS), []);
    assert.deepEqual(problemsOf('route', { ...ROUTE, threshold: '1', field: 'a..b' }, LINKS), [
      'metadata.field must be a key or path such as "confidence" or "scores.spam"',
      'metadata.threshold must be a number',
    ]);
    assert.deepEqual(problemsOf('route', { ...ROUTE, above: 'cell.x', below: 3 }, LINKS), [
      `metadata.above must be the id of one of the cell's links (links: "cell.hi", "cell.lo")`,
      `metadata.below must be the id of one of the cell's links (links: "cell.hi", "cell.lo")`,
    ]);
    assert.match(problemsOf('route', ROUTE).join(), /links: none/);
  });
});

describe('adapter operations: odd inputs and configs', () => {
  const MB = 1 << 20;
  const odd: [string, unknown][] = [
    ...([null, undefined, 0, -1, Number.NaN, Infinity, true, 10n, Symbol('s'), () => 1] as unknown[]).map(
      (v): [string, unknown] => [typeof v === 'symbol' ? 'symbol' : String(v), v],
    ),
    ['objects', { a: { b: [1] }, confidence: 0.3 }],
    ['arrays', [1, 'a', null]],
    ['empty', ''],
    ['lone surrogates', 'a\uD800b\uDC00 \uDBFF'],
    ['1 MB of sentences', 'Нейра говорит. Cats play! '.repeat(MB / 26)],
    ['1 MB without spaces', 'й'.repeat(MB)],
    ['1 MB of quotes, then a space', '"'.repeat(MB) + ' x'],
    ['1 MB of braces', '{{'.repeat(MB / 2)],
    ['deep JSON', '['.repeat(MB / 2) + ']'.repeat(MB / 2)],
  ];
  for (const [label, input] of odd) {
    it(`no operation throws on ${label}`, () => {
      for (const [type, op] of OPERATIONS) {
        const [metadata, extra] = VALID[type] ?? [{}, {}];
        const r = op.run(input, cfg(metadata, extra));
        assert.equal(typeof r.ok, 'boolean', type);
        if (!r.ok) assert.ok(r.reason.length > 0 && !r.reason.includes(UNEXPECTED), `${type}: ${r.reason}`);
      }
    });
  }

  it('no config check throws on odd metadata', () => {
    const weird = [null, 0, 'x', [], {}, { a: null }, [['x']], Number.NaN];
    const keys = ['classes', 'path', 'template', 'threshold', 'field', 'sentences', 'above', 'below'];
    for (const [type, op] of OPERATIONS) {
      for (const v of weird) {
        const found = op.validateConfig(
          cfg(Object.fromEntries(keys.map((k) => [k, v])), { confidenceThreshold: v as number }),
        );
        assert.ok(
          Array.isArray(found) && found.every((p) => typeof p === 'string' && !p.includes(UNEXPECTED)),
          type,
        );
      }
    }
  });
});
