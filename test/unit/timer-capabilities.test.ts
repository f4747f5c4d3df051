import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CAPABILITIES,
  CAPABILITY_LEVELS,
  CAPABILITY_NAMES,
  isCapabilityLevel,
  isCapabilityName,
  isEnabled,
  SAFE_MODE_OFF,
} from '../../src/domain/capabilities.js';
import { retryDelayMs, TIMER_STATES } from '../../src/domain/timer.js';

describe('timer retries', () => {
  it('back off 1 s, 2 s, 4 s … and stop growing at one minute', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 6, 7, 8, 30].map(retryDelayMs),
      [1000, 1000, 2000, 4000, 8000, 32_000, 60_000, 60_000, 60_000],
    );
  });

  it('names its states', () => {
    assert.deepEqual([...TIMER_STATES], ['pending', 'fired', 'cancelled', 'failed']);
  });
});

describe('capabilities', () => {
  it('knows its levels and names, and nothing else', () => {
    assert.deepEqual([...CAPABILITY_LEVELS], ['locked', 'experimental', 'stable']);
    for (const l of CAPABILITY_LEVELS) assert.equal(isCapabilityLevel(l), true);
    for (const v of ['Locked', '', 'on', 1, null, undefined]) assert.equal(isCapabilityLevel(v), false);
    assert.deepEqual(CAPABILITY_NAMES, Object.keys(CAPABILITIES));
    assert.ok(CAPABILITY_NAMES.includes('self_edit'), "CAPABILITY_NAMES.includes('self_edit')");
    for (const n of CAPABILITY_NAMES) assert.equal(isCapabilityName(n), true);
    for (const v of ['toString', 'constructor', '__proto__', 'SELF_EDIT', 3, null]) {
      assert.equal(isCapabilityName(v), false, String(v));
    }
  });

  it('starts each capability at its documented level', () => {
    assert.equal(CAPABILITIES.self_edit.level, 'locked');
    assert.equal(CAPABILITIES.factory_adapter.level, 'experimental');
    assert.equal(CAPABILITIES.organs_builder.level, 'experimental');
    assert.equal(CAPABILITIES.factory_script.level, 'locked');
  });

  it('counts every level but locked as enabled', () => {
    assert.deepEqual(CAPABILITY_LEVELS.map(isEnabled), [false, true, true]);
  });

  it('starts with safe mode off', () => {
    assert.deepEqual(SAFE_MODE_OFF, { on: false, reason: '', since: null, by: null, version: 0 });
  });
});
