import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACCESS_LEVELS,
  accessAtLeast,
  actorOf,
  ADMIN_PRINCIPAL,
  isAccessLevel,
  parseDuration,
  publicToken,
  TOKEN_STATES,
  type TokenRecord,
} from '../../src/domain/access.js';

describe('access levels', () => {
  it('are read < edit < full < root, and nothing else is one', () => {
    assert.deepEqual([...ACCESS_LEVELS], ['read', 'edit', 'full', 'root']);
    for (const l of ACCESS_LEVELS) assert.equal(isAccessLevel(l), true);
    for (const v of ['', 'READ', 'admin', 'owner', 'read ', null, undefined, 0, 1, {}, ['read']])
      assert.equal(isAccessLevel(v), false, String(v));
  });

  it('each level may do what the weaker ones may, and no more', () => {
    for (const [i, have] of ACCESS_LEVELS.entries())
      for (const [j, need] of ACCESS_LEVELS.entries())
        assert.equal(accessAtLeast(have, need), i >= j, `${have} vs ${need}`);
  });
});

describe('principals', () => {
  it('the admin is root and acts as `admin`; a tenant token acts under its id; nobody is anonymous', () => {
    assert.deepEqual(ADMIN_PRINCIPAL, { kind: 'admin', tokenId: 'admin', access: 'root' });
    assert.equal(actorOf(ADMIN_PRINCIPAL), 'admin');
    assert.equal(actorOf({ kind: 'tenant', tokenId: 'tok_1', tenant: 'acme', access: 'read' }), 'tok_1');
    assert.equal(actorOf(null), 'anonymous');
  });
});

describe('tokens', () => {
  it('have three states', () => {
    assert.deepEqual([...TOKEN_STATES], ['active', 'expired', 'revoked']);
  });

  it('are listed without their secret hash, in the API spelling', () => {
    const record: TokenRecord = {
      id: 'tok_1',
      secretHash: 'sha256:deadbeef',
      tenant: 'acme',
      access: 'edit',
      label: 'ci',
      state: 'revoked',
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'admin',
      expiresAt: '2026-02-01T00:00:00.000Z',
      revokedAt: '2026-01-15T00:00:00.000Z',
      version: 3,
    };
    const shown = publicToken(record);
    assert.deepEqual(shown, {
      id: 'tok_1',
      tenant: 'acme',
      access: 'edit',
      label: 'ci',
      state: 'revoked',
      created_at: '2026-01-01T00:00:00.000Z',
      created_by: 'admin',
      expires_at: '2026-02-01T00:00:00.000Z',
      revoked_at: '2026-01-15T00:00:00.000Z',
    });
    assert.equal(JSON.stringify(shown).includes('deadbeef'), false);
  });
});

describe('durations', () => {
  it('read each unit, and a bare number as seconds', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('12h'), 43_200_000);
    assert.equal(parseDuration('30d'), 2_592_000_000);
    assert.equal(parseDuration('45'), 45_000);
  });

  it('allow blanks around the text and between number and unit', () => {
    assert.equal(parseDuration('  2h '), 7_200_000);
    assert.equal(parseDuration('3 m'), 180_000);
  });

  it('refuse zero, signs, fractions, unknown units, words and overflow', () => {
    for (const bad of [
      '',
      ' ',
      '0',
      '0s',
      '-5s',
      '+5s',
      '1.5h',
      '5w',
      '5 days',
      'h',
      'ten',
      '5s5',
      'x5s',
      '5S',
      '99999999999999999999d',
    ])
      assert.equal(parseDuration(bad), null, JSON.stringify(bad));
  });
});
