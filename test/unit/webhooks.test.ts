import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { EventRecord } from '../../src/domain/event.js';
import {
  checkWebhookUrl,
  DEFAULT_WEBHOOK_EVENTS,
  deliveryBody,
  matchesPatterns,
  nextAttempt,
  parseEventPattern,
  parseEventPatterns,
  retryDelay,
  signBody,
  type EventPattern,
  type RetryPolicy,
} from '../../src/domain/webhooks.js';

const pattern = (source: string): EventPattern => {
  const p = parseEventPattern(source);
  assert.ok(typeof p !== 'string', `${source}: ${String(p)}`);
  return p;
};

const event = (type: string, data: unknown = {}, over: Partial<EventRecord> = {}): EventRecord => ({
  seq: 7,
  ts: '2026-01-01T00:00:00.000Z',
  type,
  subjectKind: 'cell',
  subjectId: 'script:echo',
  tenant: null,
  actor: 'admin',
  data: JSON.stringify(data),
  prevHash: '0'.repeat(64),
  hash: 'f'.repeat(64),
  ...over,
});

const matches = (sources: readonly string[], e: EventRecord, webhookId = 'wh-1') =>
  matchesPatterns(sources.map(pattern), e, webhookId);

describe('parseEventPattern', () => {
  it('reads a glob, its literal prefix and an optional [field=value]', () => {
    const p = pattern('cell.analysis[verdict=fail]');
    assert.equal(p.source, 'cell.analysis[verdict=fail]');
    assert.equal(p.prefix, 'cell.analysis');
    assert.deepEqual(p.field, { name: 'verdict', value: 'fail' });
    assert.equal(pattern('*.awaiting_approval').prefix, '');
    assert.equal(pattern('webhook.*').prefix, 'webhook.');
    assert.equal(pattern('cell.*').field, null);
    assert.deepEqual(pattern('capability.changed[after.level=stable]').field, {
      name: 'after.level',
      value: 'stable',
    });
  });

  it('a star is any run of characters, dots included; everything else is literal', () => {
    const p = pattern('cell.*');
    assert.ok(p.type.test('cell.created'), "p.type.test('cell.created')");
    assert.ok(p.type.test('cell.analysis.done'), "p.type.test('cell.analysis.done')");
    assert.ok(p.type.test('cell.'), "p.type.test('cell.')");
    assert.ok(!p.type.test('cells.created'), "!p.type.test('cells.created')");
    assert.ok(!p.type.test('xcell.created'), "!p.type.test('xcell.created')");
    const dot = pattern('a.b');
    assert.ok(dot.type.test('a.b'), "dot.type.test('a.b')");
    assert.ok(!dot.type.test('aXb'), 'a dot is a dot, not any character');
    assert.ok(!dot.type.test('a.bc'), 'anchored at the end');
    assert.ok(!dot.type.test('za.b'), 'anchored at the start');
    assert.ok(pattern('a-b').type.test('a-b'), "pattern('a-b').type.test('a-b')");
    assert.ok(pattern('*').type.test('anything.at.all'), "pattern('*').type.test('anything.at.all')");
    assert.ok(pattern('*.x').type.test('a.x'), "pattern('*.x').type.test('a.x')");
  });

  it('all the default events are patterns', () => {
    assert.ok(
      'patterns' in parseEventPatterns(DEFAULT_WEBHOOK_EVENTS),
      "'patterns' in parseEventPatterns(DEFAULT_WEBHOOK_EVENTS)",
    );
  });

  it('refuses what is not a pattern, saying why', () => {
    const shape = /^a pattern is an event type glob/;
    for (const bad of [
      '',
      'Cell.created',
      'cell created',
      'cell.x[verdict]',
      'cell.x[=fail]',
      'cell.x[Verdict=fail]',
      'cell.x[a=b c]',
      'x'.repeat(101),
      'cell[a.b.c.d.e.f=1]',
    ])
      assert.match(String(parseEventPattern(bad)), shape, bad);
    assert.ok(
      typeof parseEventPattern('x'.repeat(100)) !== 'string',
      "typeof parseEventPattern('x'.repeat(100)) !== 'string'",
    );
    assert.ok(
      typeof parseEventPattern('cell[a.b.c.d.e=1]') !== 'string',
      "typeof parseEventPattern('cell[a.b.c.d.e=1]') !== 'string'",
    );
    assert.equal(parseEventPattern('**'), 'a pattern of stars alone is just `*`');
    assert.equal(parseEventPattern('***[a=b]'), 'a pattern of stars alone is just `*`');
    assert.equal(parseEventPattern('cell.**'), '`**` means nothing more than `*`: use one star');
  });

  it('parses a list, or names the first bad pattern by its index', () => {
    const r = parseEventPatterns(['cell.*', 'organ.*']);
    assert.ok('patterns' in r, "'patterns' in r");
    assert.deepEqual(
      r.patterns.map((p) => p.source),
      ['cell.*', 'organ.*'],
    );
    assert.deepEqual(parseEventPatterns(['cell.*', 'BAD', '**']), {
      index: 1,
      problem: parseEventPattern('BAD'),
    });
    assert.deepEqual(parseEventPatterns([]), { patterns: [] });
  });
});

describe('matchesPatterns', () => {
  it('matches on the type, and on the field when the pattern names one (compared as text)', () => {
    assert.ok(matches(['cell.*'], event('cell.created')), "matches(['cell.*'], event('cell.created'))");
    assert.ok(!matches(['organ.*'], event('cell.created')), "!matches(['organ.*'], event('cell.created'))");
    assert.ok(!matches([], event('cell.created')), "!matches([], event('cell.created'))");
    assert.ok(
      matches(['cell.analysis[verdict=fail]'], event('cell.analysis', { verdict: 'fail' })),
      "matches(['cell.analysis[verdict=fail]'], event('cell.analysis', { verdict: 'fail' }))",
    );
    assert.ok(
      !matches(['cell.analysis[verdict=fail]'], event('cell.analysis', { verdict: 'pass' })),
      "!matches(['cell.analysis[verdict=fail]'], event('cell.analysis', { verdict: 'pass' }))",
    );
    assert.ok(
      !matches(['cell.analysis[verdict=fail]'], event('cell.created', { verdict: 'fail' })),
      "!matches(['cell.analysis[verdict=fail]'], event('cell.created', { verdict: 'fail' }))",
    );
    assert.ok(matches(['x[n=3]'], event('x', { n: 3 })), "matches(['x[n=3]'], event('x', { n: 3 }))");
    assert.ok(
      matches(['x[b=true]'], event('x', { b: true })),
      "matches(['x[b=true]'], event('x', { b: true }))",
    );
    assert.ok(!matches(['x[o=1]'], event('x', { o: [1] })), "!matches(['x[o=1]'], event('x', { o: [1] }))");
    assert.ok(
      !matches(['x[o=null]'], event('x', { o: null })),
      "!matches(['x[o=null]'], event('x', { o: null }))",
    );
    assert.ok(
      !matches(['x[o=x]'], event('x', { o: { x: 1 } })),
      "!matches(['x[o=x]'], event('x', { o: { x: 1 } }))",
    );
  });

  it('follows a dotted field into nested objects, not into arrays or scalars', () => {
    assert.ok(
      matches(['cap[after.level=stable]'], event('cap', { after: { level: 'stable' } })),
      "matches(['cap[after.level=stable]'], event('cap', { after: { level: 'stable' } }))",
    );
    assert.ok(
      !matches(['cap[after.level=stable]'], event('cap', { after: { level: 'locked' } })),
      "!matches(['cap[after.level=stable]'], event('cap', { after: { level: 'locked' } }))",
    );
    assert.ok(
      !matches(['cap[after.level=stable]'], event('cap', { after: 'stable' })),
      "!matches(['cap[after.level=stable]'], event('cap', { after: 'stable' }))",
    );
    assert.ok(
      !matches(['cap[after.0=stable]'], event('cap', { after: ['stable'] })),
      "!matches(['cap[after.0=stable]'], event('cap', { after: ['stable'] }))",
    );
    assert.ok(
      !matches(['cap[after.level=stable]'], event('cap', { after: null })),
      "!matches(['cap[after.level=stable]'], event('cap', { after: null }))",
    );
  });

  it('tries every pattern until one matches', () => {
    const e = event('cell.analysis', { verdict: 'fail' });
    assert.ok(
      matches(['organ.*', 'cell.analysis[verdict=pass]', 'cell.analysis[verdict=fail]'], e),
      "matches(['organ.*', 'cell.analysis[verdict=pass]', 'cell.analysis[verdict=fail]'], e)",
    );
    assert.ok(
      matches(['cell.analysis[verdict=pass]', 'cell.*'], e),
      "matches(['cell.analysis[verdict=pass]', 'cell.*'], e)",
    );
  });

  it('a field is looked up in objects only, not in arrays or strings', () => {
    assert.ok(
      !matchesPatterns([pattern('x[0=1]')], { ...event('x'), data: '[1]' }, 'wh'),
      'an array is no object',
    );
    assert.ok(!matches(['x[a.length=1]'], event('x', { a: 'y' })), 'a string has no fields');
    assert.ok(!matches(['x[a.0=y]'], event('x', { a: 'y' })));
  });

  it('data that is not a JSON object matches no field', () => {
    for (const data of ['not json', '[1]', 'null', '"x"'])
      assert.ok(
        !matchesPatterns([pattern('x[a=1]')], { ...event('x'), data }, 'wh'),
        "!matchesPatterns([pattern('x[a=1]')], { ...event('x'), data }, 'wh')",
      );
    assert.ok(
      matchesPatterns([pattern('x')], { ...event('x'), data: 'not json' }, 'wh'),
      "matchesPatterns([pattern('x')], { ...event('x'), data: 'not json' }, 'wh')",
    );
  });

  it('webhook events reach only patterns that name the webhook. prefix, and never the webhook they are about', () => {
    const gaveUp = event('webhook.gave_up', {}, { subjectKind: 'webhook', subjectId: 'wh-2' });
    assert.ok(!matches(['*'], gaveUp), "!matches(['*'], gaveUp)");
    assert.ok(!matches(['*.gave_up'], gaveUp), "!matches(['*.gave_up'], gaveUp)");
    assert.ok(matches(['webhook.*'], gaveUp), "matches(['webhook.*'], gaveUp)");
    assert.ok(matches(['webhook.gave_up'], gaveUp), "matches(['webhook.gave_up'], gaveUp)");
    assert.ok(!matches(['webhook.*'], gaveUp, 'wh-2'), "!matches(['webhook.*'], gaveUp, 'wh-2')");
    // Another kind of subject with the same id is not the webhook itself.
    assert.ok(
      matches(['webhook.*'], { ...gaveUp, subjectKind: 'cell' }, 'wh-2'),
      "matches(['webhook.*'], { ...gaveUp, subjectKind: 'cell' }, 'wh-2')",
    );
    // The rule is about webhook events: other events with the webhook's id still match.
    assert.ok(
      matches(['*'], event('cell.created', {}, { subjectKind: 'webhook', subjectId: 'wh-1' }), 'wh-1'),
    );
  });
});

describe('checkWebhookUrl', () => {
  it('accepts an absolute http(s) URL and drops its fragment', () => {
    const r = checkWebhookUrl('https://hooks.example.com/in?team=a#frag');
    assert.ok('url' in r, "'url' in r");
    assert.equal(r.url.href, 'https://hooks.example.com/in?team=a');
    assert.ok(
      'url' in checkWebhookUrl('http://10.0.0.1:8080/x'),
      "'url' in checkWebhookUrl('http://10.0.0.1:8080/x')",
    );
  });

  it('refuses a URL that is malformed, not http(s), with credentials or with a secret in its query', () => {
    const problem = (raw: string) => {
      const r = checkWebhookUrl(raw);
      assert.ok('problem' in r, raw);
      assert.ok(!r.reason.includes(raw), 'the URL is not echoed');
      return [r.problem, r.reason];
    };
    assert.deepEqual(problem('/relative/path'), ['malformed', 'the webhook url is not an absolute URL']);
    assert.deepEqual(problem('ftp://example.com/x'), ['scheme', 'the webhook url must use http or https']);
    assert.deepEqual(problem('file:///etc/passwd'), ['scheme', 'the webhook url must use http or https']);
    assert.equal(problem('https://bob@example.com/')[0], 'credentials');
    assert.equal(problem('https://:pw@example.com/')[0], 'credentials');
    assert.match(problem('https://bob:pw@example.com/')[1]!, /must not carry a user or password/);
    for (const name of [
      'token',
      'access_token',
      'client_secret',
      'password',
      'pwd',
      'api_key',
      'apikey',
      'API-KEY',
      'key',
      'auth',
      'sig',
      'signature',
      'credentials',
      'sessionid',
    ]) {
      const [p, reason] = problem(`https://example.com/in?${name}=abc`);
      assert.equal(p, 'query_secret', name);
      assert.ok(reason!.includes(`"${name}"`), reason);
    }
    assert.match(
      problem(`https://example.com/?${'token'.padEnd(60, 'x')}=1`)[1]!,
      new RegExp(`"${'token'.padEnd(40, 'x')}" looks`),
    );
  });

  it('a parameter that only contains "key" is not a credential', () => {
    assert.ok(
      'url' in checkWebhookUrl('https://example.com/in?monkey=1&keys=2'),
      "'url' in checkWebhookUrl('https://example.com/in?monkey=1&keys=2')",
    );
  });
});

describe('retries', () => {
  const policy: RetryPolicy = { baseMs: 1000, capMs: 60_000, maxAttempts: 5, maxAgeMs: 3_600_000 };

  it('waits base · 2^(failed − 1), jittered into [0.8, 1.2), capped', () => {
    assert.equal(retryDelay(1, policy, 0.5), 1000);
    assert.equal(retryDelay(2, policy, 0.5), 2000);
    assert.equal(retryDelay(4, policy, 0.5), 8000);
    assert.equal(retryDelay(1, policy, 0), 800);
    assert.equal(retryDelay(1, policy, 0.999), 1200);
    assert.equal(retryDelay(0, policy, 0.5), 1000, 'no attempt failed yet: the base');
    assert.equal(retryDelay(7, policy, 0.5), 60_000, '64 s capped at 60 s');
    assert.equal(retryDelay(6, policy, 0.5), 32_000);
    assert.equal(retryDelay(6, policy, 0.99), 38_272);
    assert.equal(retryDelay(7, policy, 0.99), 60_000, 'the jitter does not lift it over the cap');
    assert.equal(retryDelay(1_000, policy, 0.5), 60_000, 'huge counts neither overflow nor exceed the cap');
  });

  it('gives up after the last attempt or past the maximum age', () => {
    assert.equal(nextAttempt(1, 0, 10_000, policy, 0.5), 11_000);
    assert.equal(nextAttempt(4, 0, 10_000, policy, 0.5), 18_000);
    assert.equal(nextAttempt(5, 0, 10_000, policy, 0.5), null);
    assert.equal(nextAttempt(6, 0, 10_000, policy, 0.5), null);
    // Exactly at the maximum age is still tried; past it is not.
    assert.equal(nextAttempt(1, 0, 3_599_000, policy, 0.5), 3_600_000);
    assert.equal(nextAttempt(1, 0, 3_599_001, policy, 0.5), null);
    // The age counts from the delivery's creation.
    assert.equal(nextAttempt(1, 1_000_000, 4_599_000, policy, 0.5), 4_600_000);
    assert.equal(nextAttempt(1, 1_000_000, 4_599_001, policy, 0.5), null);
  });
});

describe('delivery', () => {
  it('the body names the delivery, the webhook and the event, with its data parsed', () => {
    const e = event('cell.created', { a: [1] }, { tenant: 'acme' });
    assert.deepEqual(JSON.parse(deliveryBody('d-1', 'wh-1', e)), {
      delivery_id: 'd-1',
      webhook_id: 'wh-1',
      event: {
        seq: 7,
        type: 'cell.created',
        subject: { kind: 'cell', id: 'script:echo' },
        tenant: 'acme',
        actor: 'admin',
        at: '2026-01-01T00:00:00.000Z',
        data: { a: [1] },
      },
    });
  });

  it('signs the exact body bytes with HMAC-SHA256 under the secret', () => {
    const body = '{"x":"é"}';
    const want = createHmac('sha256', 's3cret').update(Buffer.from(body, 'utf8')).digest('hex');
    assert.equal(signBody('s3cret', body), `sha256=${want}`);
    assert.notEqual(signBody('other', body), signBody('s3cret', body));
  });
});
