import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyChecks } from '../../../src/domain/commands/checks.js';
import { registryFingerprint } from '../../../src/domain/commands/fingerprint.js';
import { LLM_ANSWER_SCHEMA, llmPrompt, readLlmAnswer } from '../../../src/domain/commands/llm-intent.js';
import { planCommand, type CommandPlan } from '../../../src/domain/commands/plan.js';
import type { Registry } from '../../../src/domain/commands/registry.js';
import {
  editDistance,
  hasCyrillic,
  idWords,
  normalizeText,
  tokens,
} from '../../../src/domain/commands/text.js';
import { fixtureRegistry } from './registry-fixture.js';

const ADMIN = { admin: true };
const READER = { admin: false };

describe('text helpers', () => {
  it('normalises case, ё, quotes and typographic dashes (not an arrow’s)', () => {
    assert.equal(normalizeText('Ёлка «Да» “x” "y" \'z\''), 'елка  да   x   y   z ');
    assert.equal(normalizeText('a–b—c‐d‑e‒f'), 'a-b-c-d-e-f');
    assert.equal(normalizeText('a —> b'), 'a —> b');
  });

  it('splits words of any script, keeping id joiners inside a word but not at its end', () => {
    assert.deepEqual(tokens('build analysis.echo_adapter.v1, then: адаптер-2. ok:'), [
      'build',
      'analysis.echo_adapter.v1',
      'then',
      'адаптер-2',
      'ok',
    ]);
    assert.deepEqual(tokens(' -> ... '), []);
    assert.deepEqual(tokens('_x'), ['x']);
  });

  it('tells Cyrillic text', () => {
    assert.equal(hasCyrillic('обнови vision'), true);
    assert.equal(hasCyrillic('update vision'), false);
    assert.equal(hasCyrillic('Ё'), true);
  });

  it('counts edits with adjacent transpositions as one, and stops past the maximum', () => {
    assert.equal(editDistance('disable', 'disable'), 0);
    assert.equal(editDistance('disabel', 'disable'), 1);
    assert.equal(editDistance('buld', 'build'), 1);
    assert.equal(editDistance('bild', 'build'), 1);
    assert.equal(editDistance('biuld', 'build'), 1);
    assert.equal(editDistance('xbuild', 'build'), 1);
    assert.equal(editDistance('buildx', 'build'), 1);
    assert.equal(editDistance('duild', 'build'), 1);
    assert.equal(editDistance('bulid', 'build'), 1);
    assert.equal(editDistance('ubild', 'build'), 1);
    assert.equal(editDistance('bldui', 'build'), 2, 'past the maximum: max + 1');
    assert.equal(editDistance('ab', 'abcd'), 2);
    assert.equal(editDistance('abc', 'cab', 3), 2);
    assert.equal(editDistance('kitten', 'sitting', 5), 3);
    assert.equal(editDistance('abcd', 'badc', 5), 2);
    assert.equal(editDistance('', 'ab', 5), 2);
    assert.equal(editDistance('ab', '', 5), 2);
    assert.equal(editDistance('same', 'same', 0), 0);
    assert.equal(editDistance('same', 'sane', 0), 1);
    assert.equal(editDistance('abcdef', 'ghijkl', 1), 2, 'stops early at max + 1');
  });

  it('the words of an id drop prefixes, joiners and version suffixes', () => {
    assert.deepEqual(idWords('analysis.text_to_phonemes.v1'), ['text', 'phonemes']);
    assert.deepEqual(idWords('adapter:action.Speak-Adapter.v12'), ['adapter', 'speak', 'adapter']);
    assert.deepEqual(idWords('organ.voice.v1'), ['voice']);
    assert.deepEqual(idWords('v2 version'), ['version']);
    assert.deepEqual(idWords(''), []);
  });
});

describe('policyChecks', () => {
  const reg = (over: Partial<Registry> = {}): Registry => ({ ...fixtureRegistry(), ...over });
  const locked = (r: Registry, name: keyof Registry['capabilities']): Registry => ({
    ...r,
    capabilities: { ...r.capabilities, [name]: 'locked' },
  });

  it('checks rights, the intent’s gate and safe mode for a write', () => {
    const r = reg();
    assert.deepEqual(policyChecks('cell.approve', 'adapter:x', r, ADMIN), [
      { name: 'rights', ok: true, reason: 'the admin token may run this' },
      {
        name: 'capability:factory_adapter',
        ok: true,
        reason: `factory_adapter is ${r.capabilities.factory_adapter}`,
      },
      { name: 'safe_mode', ok: true, reason: 'safe mode is off' },
    ]);
    assert.deepEqual(policyChecks('organ.build', 'organ.x.v1', r, READER)[0], {
      name: 'rights',
      ok: false,
      reason: 'only the admin token may run factory commands',
    });
    assert.equal(policyChecks('organ.build', 'organ.x.v1', r, READER)[1]!.name, 'capability:organs_builder');
  });

  it('a locked gate fails its check; self_edit says what it refuses', () => {
    assert.deepEqual(policyChecks('cell.create', 'x', locked(reg(), 'factory_adapter'), ADMIN)[1], {
      name: 'capability:factory_adapter',
      ok: false,
      reason: 'factory_adapter is locked',
    });
    assert.deepEqual(policyChecks('safe_mode.set', 'safe-mode', locked(reg(), 'self_edit'), ADMIN)[1], {
      name: 'capability:self_edit',
      ok: false,
      reason: 'self_edit is locked: commands that change fabrica itself are refused',
    });
    assert.equal(
      policyChecks('capability.set', 'factory_script', locked(reg(), 'self_edit'), ADMIN)[1]!.ok,
      false,
    );
  });

  it('safe mode refuses writes to everyone but the admin', () => {
    const on = reg({ safeMode: true });
    assert.deepEqual(policyChecks('cell.disable', 'x', on, ADMIN).at(-1), {
      name: 'safe_mode',
      ok: true,
      reason: 'safe mode is on; the admin may still write',
    });
    assert.deepEqual(policyChecks('cell.disable', 'x', on, READER).at(-1), {
      name: 'safe_mode',
      ok: false,
      reason: 'safe mode is on: only the admin may write',
    });
  });

  it('a status read has no safe-mode check, and a cell’s status no gate', () => {
    const r = locked(reg({ safeMode: true }), 'organs_builder');
    assert.deepEqual(
      policyChecks('status.show', 'organ-1', r, READER).map((c) => [c.name, c.ok]),
      [
        ['rights', false],
        ['capability:organs_builder', false],
      ],
    );
    assert.deepEqual(
      policyChecks('status.show', 'adapter:analysis.echo_adapter.v1', r, ADMIN).map((c) => c.name),
      ['rights'],
    );
    assert.deepEqual(
      policyChecks('status.show', null, r, ADMIN).map((c) => c.name),
      ['rights', 'capability:organs_builder'],
    );
  });
});

describe('policyChecks per intent', () => {
  it('names the gate of each intent, and checks safe mode for every intent but a status read', () => {
    const want: Record<string, string> = {
      'cell.create': 'factory_adapter',
      'cell.new_version': 'factory_adapter',
      'cell.approve': 'factory_adapter',
      'cell.disable': 'factory_adapter',
      'cell.rollback': 'factory_adapter',
      'organ.build': 'organs_builder',
      'organ.new_version': 'organs_builder',
      'organ.approve': 'organs_builder',
      'status.show': 'organs_builder',
      'capability.set': 'self_edit',
      'safe_mode.set': 'self_edit',
    };
    for (const [intent, gate] of Object.entries(want)) {
      const names = policyChecks(
        intent as Parameters<typeof policyChecks>[0],
        'organ-1',
        fixtureRegistry(),
        READER,
      ).map((c) => c.name);
      assert.deepEqual(
        names,
        ['rights', `capability:${gate}`, ...(intent === 'status.show' ? [] : ['safe_mode'])],
        intent,
      );
    }
  });
});

describe('registryFingerprint', () => {
  const plan = (text: string): CommandPlan => {
    const p = planCommand(text, fixtureRegistry(), ADMIN);
    assert.ok(p.ok, text);
    return p.value;
  };

  it('is the same for the same plan on the same registry', () => {
    const p = plan('approve cell echo');
    assert.equal(registryFingerprint(fixtureRegistry(), p), registryFingerprint(fixtureRegistry(), p));
    assert.match(registryFingerprint(fixtureRegistry(), p), /^[0-9a-f]{64}$/);
  });

  it('moves when a cell the plan names changes revisions, or disappears', () => {
    const p = plan('approve cell echo');
    const reg = fixtureRegistry();
    const before = registryFingerprint(reg, p);
    const moved: Registry = {
      ...reg,
      cells: reg.cells.map((c) =>
        c.id === p.target ? { ...c, revisions: [...c.revisions, { version: '9.0.0', state: 'canary' }] } : c,
      ),
    };
    assert.notEqual(registryFingerprint(moved, p), before);
    const gone: Registry = { ...reg, cells: reg.cells.filter((c) => c.id !== p.target) };
    assert.notEqual(registryFingerprint(gone, p), before);
    // A cell the plan does not name may change freely.
    const other: Registry = {
      ...reg,
      cells: reg.cells.map((c) => (c.id === p.target ? c : { ...c, revisions: [] })),
    };
    assert.equal(registryFingerprint(other, p), before);
  });

  it('moves when an organ of the template it builds changes state or version', () => {
    const p = plan('upgrade the voice organ to 0.2.0');
    const reg = fixtureRegistry();
    const before = registryFingerprint(reg, p);
    const organ = reg.organs[0]!;
    assert.notEqual(registryFingerprint({ ...reg, organs: [{ ...organ, state: 'canary' }] }, p), before);
    assert.notEqual(
      registryFingerprint(
        { ...reg, organs: [{ ...organ, template: { ...organ.template, version: '9.9.9' } }] },
        p,
      ),
      before,
    );
    assert.notEqual(registryFingerprint({ ...reg, organs: [{ ...organ, id: 'organ-2' }] }, p), before);
    assert.notEqual(registryFingerprint({ ...reg, organs: [] }, p), before);
  });

  it('moves with the gate a capability command sets, and with safe mode for a safe-mode command', () => {
    const reg = fixtureRegistry();
    const cap = plan('set factory_script to experimental');
    assert.notEqual(
      registryFingerprint({ ...reg, capabilities: { ...reg.capabilities, factory_script: 'stable' } }, cap),
      registryFingerprint({ ...reg, capabilities: { ...reg.capabilities, factory_script: 'locked' } }, cap),
    );
    assert.equal(
      registryFingerprint({ ...reg, capabilities: { ...reg.capabilities, factory_wasm: 'stable' } }, cap),
      registryFingerprint({ ...reg, capabilities: { ...reg.capabilities, factory_wasm: 'locked' } }, cap),
    );
    const safe = plan('turn safe mode on');
    assert.notEqual(registryFingerprint({ ...reg, safeMode: true }, safe), registryFingerprint(reg, safe));
    const approve = plan('approve cell echo');
    assert.equal(registryFingerprint({ ...reg, safeMode: true }, approve), registryFingerprint(reg, approve));
  });

  it('differs between plans of different specs on the same registry', () => {
    const reg = fixtureRegistry();
    assert.notEqual(
      registryFingerprint(reg, plan('create cell shout from echo')),
      registryFingerprint(reg, plan('create cell mirror from echo')),
    );
  });
});

describe('LLM answers', () => {
  it('the prompt carries the schema and an example of every intent', () => {
    const text = llmPrompt();
    assert.ok(
      text.includes(JSON.stringify(LLM_ANSWER_SCHEMA)),
      'text.includes(JSON.stringify(LLM_ANSWER_SCHEMA))',
    );
    assert.ok(
      text.includes('- cell.approve: "approve cell echo" / "одобри клетку эхо"'),
      'text.includes(\'- cell.approve: "approve cell echo" / "одобри клетку эхо"\')',
    );
    assert.ok(
      text.startsWith(
        'You turn an operator command (Russian or English) for the fabrica factory into JSON.\n',
      ),
    );
    assert.equal(text.split('\n').filter((l) => l.startsWith('- ')).length, 11);
  });

  it('reads a valid answer as the grammar would', () => {
    const r = readLlmAnswer(
      {
        intent: 'cell.new_version',
        name: ['Vision  Describe', ''],
        version: '2',
        settings: { grayscale: true },
      },
      'ru',
    );
    assert.deepEqual(r, {
      ok: true,
      value: {
        lang: 'ru',
        action: 'update',
        verbTypo: false,
        kind: 'cell',
        name: ['vision', 'describe'],
        steps: null,
        version: { major: 2, minor: null, patch: null },
        settings: { grayscale: true },
        safeMode: false,
        on: null,
        capability: null,
        level: null,
        words: ['vision', 'describe', 'new_version'],
      },
    });
  });

  it('reads steps (two or more), versions, organs, capabilities and safe mode', () => {
    const build = readLlmAnswer(
      { intent: 'organ.build', name: ['talk'], steps: ['Text Normalize', 'phonemes'], version: '1.2.3' },
      'en',
    );
    assert.ok(build.ok, 'build.ok');
    assert.equal(build.value.kind, 'organ');
    assert.equal(build.value.action, 'build');
    assert.deepEqual(build.value.steps, [['text', 'normalize'], ['phonemes']]);
    assert.deepEqual(build.value.version, { major: 1, minor: 2, patch: 3 });
    assert.deepEqual(build.value.words, ['talk', 'text', 'normalize', 'phonemes', 'build']);
    const one = readLlmAnswer({ intent: 'organ.build', steps: ['a'] }, 'en');
    assert.ok(one.ok, 'one.ok');
    assert.equal(one.value.steps, null);
    assert.deepEqual(one.value.settings, {});
    assert.deepEqual(one.value.name, []);
    const cap = readLlmAnswer(
      { intent: 'capability.set', capability: 'factory_script', level: 'stable', on: true },
      'en',
    );
    assert.ok(cap.ok, 'cap.ok');
    assert.equal(cap.value.kind, null);
    assert.equal(cap.value.action, 'set');
    assert.equal(cap.value.capability, 'factory_script');
    assert.equal(cap.value.level, 'stable');
    assert.equal(cap.value.safeMode, false);
    assert.equal(cap.value.on, null, 'on counts only for safe mode');
    const safe = readLlmAnswer({ intent: 'safe_mode.set', on: false, capability: 'factory_script' }, 'en');
    assert.ok(safe.ok, 'safe.ok');
    assert.equal(safe.value.safeMode, true);
    assert.equal(safe.value.on, false);
    assert.equal(safe.value.capability, null, 'a capability counts only for a capability command');
    const bare = readLlmAnswer({ intent: 'safe_mode.set' }, 'en');
    assert.ok(bare.ok, 'bare.ok');
    assert.equal(bare.value.on, null);
    const show = readLlmAnswer({ intent: 'status.show', name: ['organ-1'] }, 'en');
    assert.ok(show.ok, 'show.ok');
    assert.equal(show.value.action, 'show');
    assert.equal(show.value.kind, null);
    const v = readLlmAnswer({ intent: 'cell.new_version', version: '3.1' }, 'en');
    assert.ok(v.ok, 'v.ok');
    assert.deepEqual(v.value.version, { major: 3, minor: 1, patch: null });
  });

  it('maps each intent to its verb', () => {
    const verbs = Object.fromEntries(
      (
        [
          'cell.create',
          'cell.new_version',
          'organ.build',
          'organ.new_version',
          'cell.approve',
          'cell.disable',
          'cell.rollback',
          'organ.approve',
          'status.show',
          'capability.set',
          'safe_mode.set',
        ] as const
      ).map((intent) => {
        const r = readLlmAnswer({ intent }, 'en');
        assert.ok(r.ok, 'r.ok');
        return [intent, r.value.action];
      }),
    );
    assert.deepEqual(verbs, {
      'cell.create': 'create',
      'cell.new_version': 'update',
      'organ.build': 'build',
      'organ.new_version': 'update',
      'cell.approve': 'approve',
      'cell.disable': 'disable',
      'cell.rollback': 'rollback',
      'organ.approve': 'approve',
      'status.show': 'show',
      'capability.set': 'set',
      'safe_mode.set': 'set',
    });
  });

  it('an answer off the schema is not understood, with every problem named', () => {
    const problems = (raw: unknown) => {
      const r = readLlmAnswer(raw, 'en');
      assert.ok(!r.ok, JSON.stringify(raw));
      assert.equal(r.error.code, 'command_not_understood');
      assert.equal(r.error.reason, 'command not understood: the LLM answer does not match the schema');
      return r.error.details?.problems as string[];
    };
    assert.deepEqual(problems({}), ["$ must have required property 'intent'"]);
    assert.deepEqual(problems('x'), ['$ must be object']);
    assert.equal(
      problems({ intent: 'cell.delete' })[0],
      '/intent must be equal to one of the allowed values',
    );
    assert.equal(problems({ intent: 'cell.create', extra: 1 }).length, 1);
    assert.equal(problems({ intent: 'cell.create', version: 'v2', level: 'on', name: 'x' }).length, 3);
    for (const bad of [
      { intent: 'cell.create', name: Array(11).fill('x') },
      { intent: 'cell.create', steps: Array(21).fill('x') },
      { intent: 'cell.create', name: ['x'.repeat(201)] },
      { intent: 'cell.create', version: '1.2.3.4' },
      { intent: 'cell.create', settings: { a: 1 } },
      {
        intent: 'cell.create',
        settings: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, true])),
      },
      { intent: 'capability.set', capability: 'nope' },
      { intent: 'safe_mode.set', on: 'yes' },
    ])
      assert.ok(problems(bad).length > 0, JSON.stringify(bad));
  });
});
