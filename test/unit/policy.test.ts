import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_PRINCIPAL, type AccessLevel, type Principal } from '../../src/domain/access.js';
import type { CapabilityLevel, CapabilityName } from '../../src/domain/capabilities.js';
import {
  authorize,
  readScope,
  writeScope,
  type ActionSpec,
  type PolicyState,
} from '../../src/domain/policy.js';

const tenant = (access: AccessLevel, name = 'acme'): Principal => ({
  kind: 'tenant',
  tokenId: `tok_${access}`,
  tenant: name,
  access,
});
const state = (
  over: Partial<Record<CapabilityName, CapabilityLevel>> = {},
  safeMode = false,
): PolicyState => ({
  capabilityLevel: (n) => over[n] ?? 'stable',
  safeMode,
});
const open = state();

describe('authorize', () => {
  it('lets anyone, even without a token, reach a public action', () => {
    const action: ActionSpec = { name: 'health', public: true, adminOnly: true, write: true };
    assert.deepEqual(authorize(null, action, { tenant: 'other' }, state({}, true)), { allow: true });
  });

  it('asks for a token on every other action', () => {
    for (const action of [{ name: 'x' }, { name: 'x', public: false }] as ActionSpec[])
      assert.deepEqual(authorize(null, action, {}, open), {
        allow: false,
        code: 'unauthorized',
        reason: 'a bearer token is required',
      });
  });

  it('keeps admin-only actions from tenant tokens, even root ones', () => {
    const action: ActionSpec = { name: 'tokens.create', adminOnly: true };
    assert.deepEqual(authorize(tenant('root'), action, {}, open), {
      allow: false,
      code: 'forbidden',
      reason: 'tokens.create needs the admin token',
    });
    assert.deepEqual(authorize(ADMIN_PRINCIPAL, action, {}, open), { allow: true });
    assert.deepEqual(authorize(tenant('read'), { name: 'y', adminOnly: false }, {}, open), { allow: true });
  });

  it('asks a tenant token for at least the access level the action needs', () => {
    const action: ActionSpec = { name: 'cells.create', access: 'edit' };
    assert.deepEqual(authorize(tenant('read'), action, {}, open), {
      allow: false,
      code: 'forbidden',
      reason: 'cells.create needs edit access; this token has read',
    });
    assert.deepEqual(authorize(tenant('edit'), action, {}, open), { allow: true });
    assert.deepEqual(authorize(tenant('full'), action, {}, open), { allow: true });
    assert.deepEqual(authorize(ADMIN_PRINCIPAL, { name: 'z', access: 'root' }, {}, open), { allow: true });
    assert.deepEqual(authorize(tenant('read'), { name: 'w' }, {}, open), { allow: true });
  });

  it("reports another tenant's record as absent, and lets the admin and the owner reach it", () => {
    const action: ActionSpec = { name: 'cells.get', access: 'read' };
    assert.deepEqual(authorize(tenant('root', 'acme'), action, { tenant: 'globex' }, open), {
      allow: false,
      code: 'not_found',
      reason: 'no such record',
    });
    assert.deepEqual(authorize(tenant('read', 'acme'), action, { tenant: 'acme' }, open), { allow: true });
    assert.deepEqual(authorize(ADMIN_PRINCIPAL, action, { tenant: 'globex' }, open), { allow: true });
    // A record that names no tenant is nobody's in particular.
    assert.deepEqual(authorize(tenant('read'), action, { tenant: null }, open), { allow: true });
    assert.deepEqual(authorize(tenant('read'), action, {}, open), { allow: true });
  });

  it('refuses an action whose capability is locked, to the admin too, and names the capability', () => {
    const action: ActionSpec = { name: 'factory.script', capability: 'factory_script' };
    const locked = state({ factory_script: 'locked' });
    for (const p of [ADMIN_PRINCIPAL, tenant('root')])
      assert.deepEqual(authorize(p, action, {}, locked), {
        allow: false,
        code: 'capability_disabled',
        reason: 'capability factory_script is locked',
        capability: 'factory_script',
      });
    assert.deepEqual(authorize(tenant('read'), action, {}, state({ factory_script: 'experimental' })), {
      allow: true,
    });
    // Only the capability the action names counts.
    assert.deepEqual(authorize(tenant('read'), action, {}, state({ factory_wasm: 'locked' })), {
      allow: true,
    });
    assert.deepEqual(authorize(tenant('read'), { name: 'v' }, {}, locked), { allow: true });
  });

  it('does not consult the capabilities for an action that names none', () => {
    const allLocked: PolicyState = { capabilityLevel: () => 'locked', safeMode: false };
    assert.deepEqual(authorize(tenant('read'), { name: 'cells.list' }, {}, allLocked), { allow: true });
    assert.equal(
      authorize(tenant('read'), { name: 'x', capability: 'self_edit' }, {}, allLocked).allow,
      false,
    );
  });

  it('refuses writes to tenant tokens in safe mode, but not reads nor the admin', () => {
    const safe = state({}, true);
    const write: ActionSpec = { name: 'cells.create', write: true };
    assert.deepEqual(authorize(tenant('root'), write, {}, safe), {
      allow: false,
      code: 'safe_mode',
      reason: 'safe mode is on: only the admin token may write',
    });
    assert.deepEqual(authorize(ADMIN_PRINCIPAL, write, {}, safe), { allow: true });
    assert.deepEqual(authorize(tenant('root'), { name: 'cells.list', write: false }, {}, safe), {
      allow: true,
    });
    assert.deepEqual(authorize(tenant('root'), write, {}, open), { allow: true });
  });

  it('checks in order: token, admin-only, access, tenant, capability, safe mode', () => {
    const everything: ActionSpec = {
      name: 'a',
      adminOnly: true,
      access: 'full',
      capability: 'factory_wasm',
      write: true,
    };
    const worst = state({ factory_wasm: 'locked' }, true);
    const code = (p: Principal | null, a: ActionSpec, tenantOf: string) => {
      const d = authorize(p, a, { tenant: tenantOf }, worst);
      return d.allow ? 'allow' : d.code;
    };
    assert.equal(code(null, everything, 'other'), 'unauthorized');
    assert.equal(code(tenant('read'), everything, 'other'), 'forbidden');
    assert.equal(code(tenant('read'), { ...everything, adminOnly: false }, 'other'), 'forbidden');
    assert.equal(code(tenant('full'), { ...everything, adminOnly: false }, 'other'), 'not_found');
    assert.equal(code(tenant('full'), { ...everything, adminOnly: false }, 'acme'), 'capability_disabled');
    const { capability: _ignored, ...uncapped } = everything;
    assert.equal(code(tenant('full'), { ...uncapped, adminOnly: false }, 'acme'), 'safe_mode');
  });
});

describe('tenant scope', () => {
  it('a tenant token reads its own tenant whatever it asks; the admin reads what it asks, else every tenant', () => {
    assert.equal(readScope(tenant('read', 'acme'), 'globex'), 'acme');
    assert.equal(readScope(tenant('read', 'acme')), 'acme');
    assert.equal(readScope(ADMIN_PRINCIPAL, 'globex'), 'globex');
    assert.equal(readScope(ADMIN_PRINCIPAL), undefined);
  });

  it('a tenant token writes into its own tenant and may not name another; the admin writes where it says, else default', () => {
    assert.deepEqual(writeScope(tenant('edit', 'acme'), undefined), { ok: true, tenant: 'acme' });
    assert.deepEqual(writeScope(tenant('edit', 'acme'), 'acme'), { ok: true, tenant: 'acme' });
    assert.deepEqual(writeScope(tenant('edit', 'acme'), 'globex'), {
      ok: false,
      error: { code: 'forbidden', reason: 'this token belongs to tenant acme' },
    });
    assert.deepEqual(writeScope(ADMIN_PRINCIPAL, 'globex'), { ok: true, tenant: 'globex' });
    assert.deepEqual(writeScope(ADMIN_PRINCIPAL, undefined), { ok: true, tenant: 'default' });
  });
});
