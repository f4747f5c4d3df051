import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_ANALYSIS,
  DEFAULT_QUARANTINE,
  DEFAULT_SHADOW,
  defaultPolicy,
  readPolicy,
  storedPolicy,
} from '../../src/domain/rollouts/rollout-policy.js';

/** The refusal of a policy: its field and reason, or `ok`. */
const refusal = (raw: unknown, hitl = true): string => {
  const r = readPolicy(raw, hitl);
  if (r.ok) return 'ok';
  assert.equal(r.error.code, 'invalid_policy');
  assert.equal(r.error.reason.startsWith(String(r.error.details?.field)), true, r.error.reason);
  return r.error.reason;
};

describe('rollout policy defaults', () => {
  it('are the documented ones', () => {
    assert.deepEqual(DEFAULT_ANALYSIS, {
      interval_ms: 60_000,
      min_calls: 50,
      max_error_rate: 0.05,
      max_error_rate_increase: 0.02,
      max_p95_ms: null,
      max_p95_ratio: 1.2,
      max_shadow_diff_rate: null,
      passes_to_promote: 3,
      confidence: 0.99,
      on_fail: 'rollback',
    });
    assert.deepEqual(DEFAULT_SHADOW, { enabled: false, percent: 100 });
    assert.deepEqual(DEFAULT_QUARANTINE, {
      consecutive_errors: null,
      burst_errors: 20,
      burst_window_ms: 10_000,
      burst_error_rate: 0.5,
    });
    for (const hitl of [true, false])
      assert.deepEqual(defaultPolicy(hitl), {
        hitl,
        analysis: DEFAULT_ANALYSIS,
        shadow: DEFAULT_SHADOW,
        quarantine: DEFAULT_QUARANTINE,
      });
  });
});

describe('reading a rollout policy', () => {
  it('fills what is absent with the defaults, and hitl with the cell’s current value', () => {
    assert.deepEqual(readPolicy({}, true), { ok: true, value: defaultPolicy(true) });
    assert.deepEqual(readPolicy({ if_version: 3 }, false), { ok: true, value: defaultPolicy(false) });
    assert.deepEqual(readPolicy({ analysis: {}, shadow: {}, quarantine: {} }, false), {
      ok: true,
      value: defaultPolicy(false),
    });
  });

  it('keeps what is given and the defaults around it', () => {
    const r = readPolicy(
      {
        hitl: false,
        analysis: { min_calls: 10, on_fail: 'hold', max_p95_ms: 250, confidence: undefined },
        shadow: { enabled: true, percent: 12.5 },
        quarantine: { consecutive_errors: 0, burst_error_rate: 1 },
      },
      true,
    );
    assert.deepEqual(r, {
      ok: true,
      value: {
        hitl: false,
        analysis: { ...DEFAULT_ANALYSIS, min_calls: 10, on_fail: 'hold', max_p95_ms: 250 },
        shadow: { enabled: true, percent: 12.5 },
        quarantine: { ...DEFAULT_QUARANTINE, consecutive_errors: 0, burst_error_rate: 1 },
      },
    });
    assert.deepEqual(readPolicy({ hitl: true }, false), { ok: true, value: defaultPolicy(true) });
  });

  it('takes every bound itself, and nothing past it', () => {
    const edges: [string, string, number, number, boolean][] = [
      ['analysis', 'interval_ms', 10, 86_400_000, true],
      ['analysis', 'min_calls', 1, 10_000_000, true],
      ['analysis', 'max_error_rate', 0, 1, false],
      ['analysis', 'max_error_rate_increase', 0, 1, false],
      ['analysis', 'max_p95_ms', 0, 3_600_000, false],
      ['analysis', 'max_p95_ratio', 1, 1000, false],
      ['analysis', 'max_shadow_diff_rate', 0, 1, false],
      ['analysis', 'passes_to_promote', 1, 1000, true],
      ['analysis', 'confidence', 0.5, 0.9999, false],
      ['shadow', 'percent', 0, 100, false],
      ['quarantine', 'consecutive_errors', 0, 1_000_000, true],
      ['quarantine', 'burst_errors', 0, 1_000_000, true],
      ['quarantine', 'burst_window_ms', 100, 3_600_000, true],
      ['quarantine', 'burst_error_rate', 0, 1, false],
    ];
    for (const [section, field, min, max, integer] of edges) {
      const policy = (v: unknown) => ({ [section]: { [field]: v } });
      const expected = `${section}.${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
      for (const v of [min, max]) {
        const r = readPolicy(policy(v), true);
        assert.ok(r.ok, `${field} = ${v}`);
        assert.equal((r.value as unknown as Record<string, Record<string, unknown>>)[section]![field], v);
      }
      const step = integer ? 1 : 0.0001;
      for (const v of [min - step, max + step, Number.NaN, Infinity, -Infinity, String(min), true, [min], {}])
        assert.equal(refusal(policy(v)), expected, `${field} = ${String(v)}`);
      if (integer) assert.equal(refusal(policy(min + 0.5)), expected, `${field} fraction`);
      else assert.equal(refusal(policy((min + max) / 2)), 'ok', `${field} fraction`);
    }
  });

  it('lets the optional limits be null, and no other', () => {
    for (const [section, field] of [
      ['analysis', 'max_p95_ms'],
      ['analysis', 'max_shadow_diff_rate'],
      ['quarantine', 'consecutive_errors'],
    ] as const)
      assert.equal(refusal({ [section]: { [field]: null } }), 'ok', field);
    assert.deepEqual(readPolicy({ analysis: { max_p95_ms: null } }, true), {
      ok: true,
      value: defaultPolicy(true),
    });
    assert.equal(
      refusal({ analysis: { min_calls: null } }),
      'analysis.min_calls must be an integer from 1 to 10000000',
    );
    assert.equal(refusal({ shadow: { percent: null } }), 'shadow.percent must be a number from 0 to 100');
  });

  it('refuses anything but a boolean for the switches, and anything but rollback or hold on failure', () => {
    for (const v of ['true', 1, 0, null])
      assert.equal(refusal({ hitl: v }), 'hitl must be a boolean', String(v));
    for (const v of ['true', 1, null])
      assert.equal(refusal({ shadow: { enabled: v } }), 'shadow.enabled must be a boolean', String(v));
    for (const v of ['ROLLBACK', 'pause', '', 1, null])
      assert.equal(
        refusal({ analysis: { on_fail: v } }),
        'analysis.on_fail must be one of rollback, hold',
        String(v),
      );
  });

  it('refuses what is not an object, and unknown fields, naming them', () => {
    for (const raw of [null, undefined, 'x', 3, [], [{}]])
      assert.equal(refusal(raw), 'policy must be an object');
    for (const section of ['analysis', 'shadow', 'quarantine'])
      for (const v of [null, 'x', 5, [], [{}]])
        assert.equal(refusal({ [section]: v }), `${section} must be an object`, `${section} = ${String(v)}`);
    assert.equal(refusal({ canary: {} }), 'canary is not a policy field');
    assert.equal(refusal({ analysis: { min_call: 5 } }), 'analysis.min_call is not a policy field');
    assert.equal(refusal({ shadow: { percent: 5, mirror: true } }), 'shadow.mirror is not a policy field');
    assert.equal(refusal({ quarantine: { toString: 1 } }), 'quarantine.toString is not a policy field');
    assert.equal(
      refusal(JSON.parse('{"analysis":{"__proto__":1}}')),
      'analysis.__proto__ is not a policy field',
    );
    assert.equal(refusal({ shadow: { constructor: 1 } }), 'shadow.constructor is not a policy field');
    assert.equal(refusal({ quarantine: { hitl: true } }), 'quarantine.hitl is not a policy field');
  });

  it('names the first field at fault, section by section', () => {
    assert.equal(
      refusal({ analysis: { min_calls: 0 }, shadow: { percent: -1 }, quarantine: { burst_errors: -1 } }),
      'analysis.min_calls must be an integer from 1 to 10000000',
    );
    assert.equal(
      refusal({ shadow: { percent: -1 }, quarantine: { burst_errors: -1 } }),
      'shadow.percent must be a number from 0 to 100',
    );
    assert.equal(
      refusal({ quarantine: { burst_errors: -1 } }),
      'quarantine.burst_errors must be an integer from 0 to 1000000',
    );
    const r = readPolicy({ shadow: { percent: 101 } }, true);
    assert.deepEqual(r.ok ? null : r.error.details, { field: 'shadow.percent' });
  });
});

describe('a stored policy', () => {
  it('reads back with the defaults for what it lacks, or as the default policy when it no longer reads', () => {
    assert.deepEqual(storedPolicy({ hitl: false, shadow: { enabled: true } }, true), {
      ...defaultPolicy(false),
      shadow: { enabled: true, percent: 100 },
    });
    assert.deepEqual(storedPolicy({ analysis: { min_calls: 0 } }, false), defaultPolicy(false));
    assert.deepEqual(storedPolicy('garbage', true), defaultPolicy(true));
  });
});
