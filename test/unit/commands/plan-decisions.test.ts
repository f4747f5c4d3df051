import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextVersion, organTemplates } from '../../../src/domain/commands/drafts.js';
import { planCommand, type CommandPlan } from '../../../src/domain/commands/plan.js';
import type { Registry, RegistryOrgan } from '../../../src/domain/commands/registry.js';
import { fixtureRegistry } from './registry-fixture.js';

const ECHO = 'adapter:analysis.echo_adapter.v1';
const DEFAULT_CLOSEST = ['organ.build', 'cell.new_version', 'status.show'];

const planned = (text: string, reg: Registry = fixtureRegistry()): CommandPlan => {
  const p = planCommand(text, reg, { admin: true });
  assert.ok(p.ok, `${text}: ${p.ok ? '' : p.error.reason}`);
  return p.value;
};
const refused = (text: string, reg: Registry = fixtureRegistry()) => {
  const p = planCommand(text, reg, { admin: true });
  assert.ok(!p.ok, `${text} was planned`);
  return p.error;
};
const notUnderstood = (text: string) => {
  const e = refused(text);
  assert.equal(e.code, 'command_not_understood', text);
  return [e.reason, (e.details?.closest as { intent: string }[]).map((c) => c.intent)];
};

describe('nextVersion', () => {
  it('takes the version asked for when it is newer than the newest', () => {
    assert.equal(nextVersion('1.2.0', { major: 2, minor: null, patch: null }), '2.0.0');
    assert.equal(nextVersion('1.2.0', { major: 1, minor: 3, patch: 4 }), '1.3.4');
    assert.equal(nextVersion(null, { major: 0, minor: 0, patch: 1 }), '0.0.1');
  });
  it('otherwise bumps the minor of the newest, or starts at 0.1.0', () => {
    assert.equal(
      nextVersion('1.2.0', { major: 1, minor: 2, patch: 0 }),
      '1.3.0',
      'the same version is not newer',
    );
    assert.equal(nextVersion('1.2.5', { major: 1, minor: null, patch: null }), '1.3.0');
    assert.equal(nextVersion('1.2.5', null), '1.3.0');
    assert.equal(nextVersion(null, null), '0.1.0');
    assert.equal(nextVersion('latest', null), '0.1.0');
  });
});

describe('organTemplates', () => {
  it('keeps the newest organ of each template', () => {
    const organ = (id: string, template: string, version: string): RegistryOrgan => ({
      id,
      state: 'stable',
      template: { ...fixtureRegistry().organs[0]!.template, id: template, version },
    });
    const got = organTemplates([
      organ('o1', 't.a', '1.0.0'),
      organ('o2', 't.a', '1.10.0'),
      organ('o3', 't.b', '0.1.0'),
      organ('o4', 't.a', '1.2.0'),
    ]);
    assert.deepEqual(
      got.map((o) => o.id),
      ['o2', 'o3'],
    );
  });
});

describe('planning a command: requests and subjects', () => {
  it('a cell command posts to the cell, with the command as the reason', () => {
    const p = planned('approve cell echo');
    assert.equal(p.intent, 'cell.approve');
    assert.equal(p.confidence, 1);
    assert.equal(p.specKind, null);
    assert.equal(p.spec, null);
    assert.equal(p.diff, null);
    assert.deepEqual(p.apply, [
      {
        method: 'POST',
        path: `/factory/cells/${encodeURIComponent(ECHO)}/approve`,
        body: { reason: 'command: echo' },
      },
    ]);
    assert.deepEqual(p.subjects, { cells: [ECHO], organTemplates: [] });
    assert.deepEqual(
      p.checks.map((c) => c.name),
      ['rights', 'capability:factory_adapter', 'safe_mode'],
    );
  });

  it('a verb one slip away costs a tenth of the confidence', () => {
    const p = planned('disabel cell echo');
    assert.equal(p.intent, 'cell.disable');
    assert.equal(p.confidence, 0.9);
    assert.equal(p.apply[0]!.path, `/factory/cells/${encodeURIComponent(ECHO)}/disable`);
  });

  it('a status read of an organ or a cell is a GET', () => {
    assert.deepEqual(planned('show organ-1').apply, [{ method: 'GET', path: '/organs/organ-1/status' }]);
    const cell = planned('show phonemes');
    assert.deepEqual(cell.apply, [
      { method: 'GET', path: `/factory/cells/${encodeURIComponent('adapter:analysis.text_to_phonemes.v1')}` },
    ]);
    assert.deepEqual(cell.subjects, { cells: [], organTemplates: [] });
  });

  it('approving an organ names its template among the subjects', () => {
    const p = planned('approve the voice organ');
    assert.equal(p.intent, 'organ.approve');
    assert.equal(p.target, 'organ-1');
    assert.deepEqual(p.apply, [{ method: 'POST', path: '/organs/organ-1/approve' }]);
    assert.deepEqual(p.subjects, { cells: [], organTemplates: ['organ.voice.v1'] });
  });

  it('a gate and safe mode are set with the level or setting the verb implies', () => {
    assert.deepEqual(planned('disable factory_wasm').apply, [
      {
        method: 'PUT',
        path: '/capabilities/factory_wasm',
        body: { level: 'locked', reason: 'command: disable' },
      },
    ]);
    assert.deepEqual(planned('enable organs_builder').apply, [
      {
        method: 'PUT',
        path: '/capabilities/organs_builder',
        body: { level: 'experimental', reason: 'command: enable' },
      },
    ]);
    assert.deepEqual(planned('set factory_wasm to stable').apply[0]!.body, {
      level: 'stable',
      reason: 'command: set',
    });
    assert.deepEqual(planned('turn safe mode off').apply, [
      { method: 'POST', path: '/safe-mode', body: { on: false, reason: 'command: turn' } },
    ]);
    assert.deepEqual(planned('enable safe mode').apply[0]!.body, { on: true, reason: 'command: enable' });
    const p = planned('turn safe mode on');
    assert.equal(p.target, 'safe-mode');
    assert.deepEqual(p.subjects, { cells: [], organTemplates: [] });
  });

  it('the reason quotes at most 200 characters of the command', () => {
    const long = `turn safe mode on ${'lorem '.repeat(60)}`;
    const body = planned(long).apply[0]!.body as { reason: string };
    assert.equal(body.reason.length, 200);
    assert.ok(body.reason.startsWith('command: turn'), body.reason);
  });

  it('a new cell derives from the closest template and records it', () => {
    const p = planned('create shout');
    assert.equal(p.intent, 'cell.create');
    assert.equal(p.target, 'analysis.shout.v1');
    assert.equal(p.confidence, 0.85, 'a name no template matches exactly');
    const spec = p.spec as { metadata: Record<string, unknown>; version: string };
    assert.equal(spec.version, '0.1.0');
    assert.equal(typeof spec.metadata.derived_from, 'string');
    const v = planned('make cell shout from echo v2.1');
    assert.equal((v.spec as { version: string }).version, '2.1.0');
    assert.equal(v.target, 'analysis.shout.v1');
    assert.equal(
      (v.spec as { metadata: Record<string, unknown> }).metadata.derived_from,
      'analysis.echo_adapter.v1',
    );
    assert.deepEqual(v.subjects.cells, [ECHO]);
    assert.deepEqual(v.diff!.removed, []);
    assert.deepEqual(v.diff!.changed, []);
  });

  it('a pathway organ takes its name and major version from the command', () => {
    const p = planned('build talk from echo -> reverse v3');
    assert.equal(p.target, 'organ.talk.v3');
    assert.deepEqual(p.spec, {
      id: 'organ.talk.v3',
      version: '0.1.0',
      roles: ['echo', 'reverse'],
      cells: ['analysis.echo_adapter.v1', 'analysis.reverse_adapter.v1'],
      pathways: [{ name: 'talk', cells: ['analysis.echo_adapter.v1', 'analysis.reverse_adapter.v1'] }],
      policies: { stage: 'draft', hitl: true },
    });
    assert.deepEqual(p.apply, [{ method: 'POST', path: '/organs/build', body: { organ_template: p.spec } }]);
    assert.deepEqual(p.subjects, {
      cells: ['adapter:analysis.echo_adapter.v1', 'adapter:analysis.reverse_adapter.v1'],
      organTemplates: ['organ.talk.v3'],
    });
  });

  it('a new version of a cell bumps past the newest revision when the one asked for is older', () => {
    const p = planned('update vision to 0.0.1');
    assert.deepEqual(p.diff!.lines, ['~ $.version: "1.0.0" → "1.1.0"']);
  });

  it('rebuilding an organ without a new version keeps its version', () => {
    const p = planned('build voice organ v2');
    assert.equal(p.intent, 'organ.build');
    assert.equal((p.spec as { version: string }).version, '0.1.0');
    assert.deepEqual(p.diff!.lines, []);
  });
});

describe('planning a command: refusals', () => {
  it('says what is missing', () => {
    assert.deepEqual(notUnderstood('hello there'), [
      'command not understood: no command verb found',
      DEFAULT_CLOSEST,
    ]);
    assert.deepEqual(notUnderstood('create cell'), [
      'command not understood: no cell or organ named',
      ['cell.create'],
    ]);
    assert.deepEqual(notUnderstood('build'), [
      'command not understood: no cell or organ named',
      ['organ.build'],
    ]);
    assert.deepEqual(notUnderstood('safe mode please'), [
      'command not understood: say whether safe mode goes on or off',
      DEFAULT_CLOSEST,
    ]);
    assert.deepEqual(notUnderstood('set factory_script'), [
      'command not understood: say which level factory_script goes to (locked, experimental, stable)',
      ['capability.set'],
    ]);
  });

  it('an organ can only be approved', () => {
    assert.deepEqual(notUnderstood('disable the voice organ'), [
      'command not understood: an organ can be approved, not disabled',
      ['cell.disable'],
    ]);
    assert.deepEqual(notUnderstood('roll back voice organ'), [
      'command not understood: an organ can be approved, not rolled back',
      ['cell.rollback'],
    ]);
  });

  it('the closest intents come with an example in the command’s language', () => {
    const e = refused('привет');
    assert.deepEqual(e.details?.closest, [
      { intent: 'organ.build', example: 'собери speak-pipeline normalize→phonemes→adapter' },
      { intent: 'cell.new_version', example: 'обнови зрение до v2 (grayscale)' },
      { intent: 'status.show', example: 'покажи статус клетки фонем' },
    ]);
  });

  it('a name that fits several things, or nothing, lists the candidates', () => {
    const two = refused('approve echo reverse');
    assert.equal(two.code, 'command_ambiguous');
    assert.equal(two.reason, '"echo reverse" could mean 2 things: name one');
    assert.deepEqual(two.details, {
      name: 'echo reverse',
      candidates: [ECHO, 'adapter:analysis.reverse_adapter.v1'],
    });
    const none = refused('update xyzzy');
    assert.equal(none.code, 'command_ambiguous');
    const candidates = none.details?.candidates as string[];
    assert.ok(candidates.includes(ECHO), 'candidates.includes(ECHO)');
    assert.ok(
      candidates.includes('organ-1 (organ.voice.v1 0.1.0)'),
      "candidates.includes('organ-1 (organ.voice.v1 0.1.0)')",
    );
    assert.equal(none.reason, `"xyzzy" could mean ${candidates.length} things: name one`);
    assert.deepEqual(refused('show adapter').details?.candidates, [
      ECHO,
      'adapter:analysis.reverse_adapter.v1',
      'adapter:analysis.speak_adapter.v1',
    ]);
  });

  it('lists at most 20 candidates', () => {
    const reg = fixtureRegistry();
    const many: Registry = {
      ...reg,
      cells: Array.from({ length: 25 }, (_, i) => ({ ...reg.cells[0]!, id: `adapter:c${i}` })),
    };
    const e = refused('update xyzzy', many);
    assert.equal((e.details?.candidates as string[]).length, 20);
  });
});
