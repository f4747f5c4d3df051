import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { runCli } from './support/server-process.js';

const load = (
  env: Record<string, string>,
  extra: { flags?: Record<string, string>; file?: Record<string, unknown> } = {},
) => loadConfig({ env, cwd: '/srv/app', ...extra });

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = load({});
    assert.equal(c.port, 3000);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.dataDir, '/srv/app/.fabrica');
    assert.equal(c.templatesDir, '/srv/app/.fabrica/templates');
    assert.equal(c.databaseUrl, null);
    assert.deepEqual(c.stageDelays, [50, 50, 50]);
    assert.ok(Object.isFrozen(c));
  });

  it('takes flags over environment over file', () => {
    assert.equal(load({ FABRICA_PORT: '4000' }, { file: { port: 5000 } }).port, 4000);
    assert.equal(load({}, { file: { port: 5000 } }).port, 5000);
    assert.equal(load({ FABRICA_PORT: '4000' }, { flags: { port: '4100' } }).port, 4100);
    assert.equal(load({ PORT: '4200' }).port, 4200);
  });

  it('accepts the deprecated stage delay alias with a warning', () => {
    const c = load({ ORGANS_BUILDER_STAGE_DELAYS_MS: '50,100,200' });
    assert.deepEqual(c.stageDelays, [50, 100, 200]);
    assert.match(c.warnings.join('\n'), /ORGANS_BUILDER_STAGE_DELAYS_MS is deprecated/);
  });

  it('maps the legacy capability switches', () => {
    const c = load({
      FACTORY_ADAPTER_ENABLED: 'false',
      ORGANS_BUILDER_ENABLED: 'true',
      FABRICA_CAPABILITIES: 'factory_script=stable',
    });
    assert.deepEqual(c.capabilityOverrides, {
      factory_adapter: 'locked',
      organs_builder: 'experimental',
      factory_script: 'stable',
    });
  });

  const invalid: [Record<string, string>, RegExp][] = [
    [{ FABRICA_PORT: 'abc' }, /FABRICA_PORT must be an integer from 0 to 65535 \(got "abc"\)/],
    [{ FABRICA_PORT: '70000' }, /FABRICA_PORT must be an integer/],
    [
      { ORGANS_BUILDER_STAGE_DELAYS: '50,x,200' },
      /ORGANS_BUILDER_STAGE_DELAYS must be three comma-separated/,
    ],
    [{ ORGANS_BUILDER_STAGE_DELAYS: '50,100' }, /ORGANS_BUILDER_STAGE_DELAYS must be three/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\//],
    [{ FABRICA_LOG_LEVEL: 'loud' }, /FABRICA_LOG_LEVEL must be one of/],
    [{ FABRICA_CAPABILITIES: 'warp_drive=stable' }, /FABRICA_CAPABILITIES must be name=level pairs/],
    [{ FACTORY_ADAPTER_ENABLED: 'maybe' }, /FACTORY_ADAPTER_ENABLED must be true or false/],
    [
      { FABRICA_WATCHDOG_SOFT_MS: '500', FABRICA_WATCHDOG_HARD_MS: '100' },
      /FABRICA_WATCHDOG_HARD_MS must be at least/,
    ],
  ];
  for (const [env, message] of invalid) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      assert.throws(
        () => load(env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  it('refuses unknown keys in the config file', () => {
    assert.throws(() => load({}, { file: { prot: 1 } }), /unknown key "prot"/);
  });

  it('stops the server at start with one clear line and exit code 2', async () => {
    const r = await runCli(['serve'], {
      FABRICA_PORT: 'abc',
      FABRICA_DATA_DIR: '/nonexistent-never-created',
    });
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^fabrica: invalid configuration: FABRICA_PORT must be an integer/);
  });
});
