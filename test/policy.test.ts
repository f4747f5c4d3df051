import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_PRINCIPAL, type Principal } from '../src/domain/access.js';
import type { CapabilityLevel, CapabilityName } from '../src/domain/capabilities.js';
import { authorize, readScope, writeScope, type ActionSpec, type PolicyState } from '../src/domain/policy.js';

const state = (
  over: Partial<Record<CapabilityName, CapabilityLevel>> = {},
  safeMode = false,
): PolicyState => ({
  capabilityLevel: (n) => over[n] ?? 'experimental',
  safeMode,
});
const tenant = (access: 'read' | 'edit' | 'full' | 'root', name = 'acme'): Principal => ({
  kind: 'tenant',
  tokenId: 'tok_1',
  tenant: name,
  access,
});
const write: ActionSpec = { name: 'runs.create', access: 'edit', write: true, capability: 'factory_adapter' };
const read: ActionSpec = { name: 'runs.read', access: 'read' };
const admin: ActionSpec = { name: 'capabilities.update', adminOnly: true, write: true };

describe('authorize (the one policy decision)', () => {
  const cases: [string, Principal | null, ActionSpec, { tenant?: string }, PolicyState, string][] = [
    ['public needs nothing', null, { name: 'healthz', public: true }, {}, state(), 'allow'],
    ['no principal', null, read, {}, state(), 'unauthorized'],
    ['read token reads', tenant('read'), read, { tenant: 'acme' }, state(), 'allow'],
    ['read token writes', tenant('read'), write, { tenant: 'acme' }, state(), 'forbidden'],
    ['edit token writes', tenant('edit'), write, { tenant: 'acme' }, state(), 'allow'],
    ['other tenant is absent', tenant('root', 'globex'), read, { tenant: 'acme' }, state(), 'not_found'],
    ['tenant root is not admin', tenant('root'), admin, {}, state(), 'forbidden'],
    ['admin does admin things', ADMIN_PRINCIPAL, admin, {}, state(), 'allow'],
    [
      'locked capability',
      tenant('edit'),
      write,
      { tenant: 'acme' },
      state({ factory_adapter: 'locked' }),
      'capability_disabled',
    ],
    [
      'locked capability, admin too',
      ADMIN_PRINCIPAL,
      write,
      {},
      state({ factory_adapter: 'locked' }),
      'capability_disabled',
    ],
    [
      'stable capability',
      tenant('edit'),
      write,
      { tenant: 'acme' },
      state({ factory_adapter: 'stable' }),
      'allow',
    ],
    [
      'safe mode stops tenant writes',
      tenant('full'),
      write,
      { tenant: 'acme' },
      state({}, true),
      'safe_mode',
    ],
    ['safe mode lets tenants read', tenant('read'), read, { tenant: 'acme' }, state({}, true), 'allow'],
    ['safe mode lets the admin write', ADMIN_PRINCIPAL, write, {}, state({}, true), 'allow'],
  ];
  for (const [name, principal, action, resource, st, expected] of cases) {
    it(name, () => {
      const d = authorize(principal, action, resource, st);
      assert.equal(d.allow ? 'allow' : d.code, expected);
      if (!d.allow) assert.ok(d.reason.length > 0);
      if (!d.allow && d.code === 'capability_disabled') assert.equal(d.capability, 'factory_adapter');
    });
  }
});

describe('the tenant scope of listings and new records', () => {
  it('reads a tenant token’s own tenant whatever it asks, and what the admin asks (all when nothing)', () => {
    assert.equal(readScope(tenant('root'), 'other'), 'acme');
    assert.equal(readScope(tenant('read')), 'acme');
    assert.equal(readScope(ADMIN_PRINCIPAL, 'other'), 'other');
    assert.equal(readScope(ADMIN_PRINCIPAL), undefined);
  });

  it('writes into a tenant token’s own tenant, refuses another, and the admin’s choice or default', () => {
    assert.deepEqual(writeScope(tenant('edit'), undefined), { ok: true, tenant: 'acme' });
    assert.deepEqual(writeScope(tenant('edit'), 'acme'), { ok: true, tenant: 'acme' });
    const refused = writeScope(tenant('root'), 'other');
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, 'forbidden');
    assert.deepEqual(writeScope(ADMIN_PRINCIPAL, 'other'), { ok: true, tenant: 'other' });
    assert.deepEqual(writeScope(ADMIN_PRINCIPAL, undefined), { ok: true, tenant: 'default' });
  });
});
