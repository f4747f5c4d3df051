import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planCommand } from '../../../src/domain/commands/plan.js';
import { parseCommand } from '../../../src/domain/commands/parse.js';
import { editDistance } from '../../../src/domain/commands/text.js';
import { FIXTURE, type FixtureCase } from './command-fixture.js';
import { fixtureRegistry } from './registry-fixture.js';

const at = (v: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], v);

/** Why a case failed, or null when the plan has its intent, target and spec. */
function miss(c: FixtureCase): string | null {
  const r = planCommand(c.text, fixtureRegistry(), { admin: true });
  if (!r.ok) return `${r.error.code}: ${r.error.reason}`;
  if (r.value.intent !== c.intent) return `intent ${r.value.intent}`;
  if (r.value.target !== c.target) return `target ${r.value.target}`;
  if (r.value.lang !== c.lang) return `lang ${r.value.lang}`;
  for (const [path, want] of Object.entries(c.spec ?? {})) {
    const got = at(r.value.spec, path);
    if (JSON.stringify(got) !== JSON.stringify(want)) return `spec ${path} = ${JSON.stringify(got)}`;
  }
  return null;
}

describe('command grammar: the fixture', () => {
  it('holds at least 80 commands, half of them Russian, with the seed examples', () => {
    assert.ok(FIXTURE.length >= 80, `${FIXTURE.length} commands`);
    const ru = FIXTURE.filter((c) => c.lang === 'ru').length;
    assert.ok(ru >= 40 && FIXTURE.length - ru >= 40, `${ru} ru, ${FIXTURE.length - ru} en`);
    for (const seed of [
      'создай голосовой орган v1',
      'обнови зрение до v2 (grayscale)',
      'собери speak-pipeline normalize→phonemes→adapter',
    ])
      assert.ok(
        FIXTURE.some((c) => c.text === seed),
        seed,
      );
  });

  it('plans every command as expected, and reports the accuracy per language', () => {
    const misses: string[] = [];
    const table: string[] = [];
    for (const lang of ['ru', 'en'] as const) {
      const cases = FIXTURE.filter((c) => c.lang === lang);
      let right = 0;
      for (const c of cases) {
        const m = miss(c);
        if (m === null) right += 1;
        else misses.push(`${c.text} → ${m}`);
      }
      table.push(`${lang}: ${right}/${cases.length} (${((100 * right) / cases.length).toFixed(1)}%)`);
    }
    process.stdout.write(`# command accuracy: ${table.join(', ')}\n`);
    assert.deepEqual(misses, []);
  });
});

describe('command grammar: rules', () => {
  it('reads typos within edit distance 1 (a transposition is one slip), not 2', () => {
    assert.equal(editDistance('disabel', 'disable'), 1);
    assert.equal(editDistance('собири', 'собери'), 1);
    assert.equal(editDistance('dsiabel', 'disable'), 2);
    assert.equal(parseCommand('dsiabel echo').action, null);
    assert.equal(parseCommand('disabel echo').verbTypo, true);
  });

  it('reads versions, settings and pathways written with arrows, "then", "затем" and commas', () => {
    const p = parseCommand('обнови зрение до 1.2.3 (grayscale, mode=fast)');
    assert.deepEqual(p.version, { major: 1, minor: 2, patch: 3 });
    assert.deepEqual(p.settings, { grayscale: true, mode: 'fast' });
    for (const t of [
      'build x alpha -> beta -> gamma',
      'build x alpha then beta then gamma',
      'собери x alpha затем beta, gamma',
      'build x alpha→beta→gamma',
    ])
      assert.deepEqual(parseCommand(t).steps, [['alpha'], ['beta'], ['gamma']], t);
  });

  it('refuses text no intent fits, with the closest intents and an example of each', () => {
    const r = planCommand('расскажи анекдот', fixtureRegistry(), { admin: true });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'command_not_understood');
    const closest = r.error.details?.closest as { intent: string; example: string }[];
    assert.ok(closest.length > 0, 'closest.length > 0');
    // every example given is itself understood
    for (const c of closest)
      assert.equal(planCommand(c.example, fixtureRegistry(), { admin: true }).ok, true, c.example);
  });

  it('lists the candidates of an ambiguous name', () => {
    const r = planCommand('approve adapter', fixtureRegistry(), { admin: true });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'command_ambiguous');
    assert.deepEqual(r.error.details?.candidates, [
      'adapter:analysis.echo_adapter.v1',
      'adapter:analysis.reverse_adapter.v1',
      'adapter:analysis.speak_adapter.v1',
    ]);
  });

  it('breaks a tie in a pathway by the previous step the cell links to', () => {
    const r = planCommand('build x phonemes -> adapter', fixtureRegistry(), { admin: true });
    assert.ok(r.ok, 'r.ok');
    assert.deepEqual((r.value.spec as { cells: readonly string[] }).cells, [
      'analysis.text_to_phonemes.v1',
      'analysis.speak_adapter.v1',
    ]);
  });

  it('says in the checks that self_edit is locked, and that only the admin may run factory commands', () => {
    const r = planCommand('включи безопасный режим', fixtureRegistry(), { admin: false });
    assert.ok(r.ok, 'r.ok');
    const byName = Object.fromEntries(r.value.checks.map((c) => [c.name, c.ok]));
    assert.deepEqual(byName, { rights: false, 'capability:self_edit': false, safe_mode: true });
  });

  it('diffs a new version against the stable template, path by path', () => {
    const r = planCommand('обнови зрение до v2 (grayscale)', fixtureRegistry(), { admin: true });
    assert.ok(r.ok, 'r.ok');
    assert.deepEqual(r.value.diff?.lines, ['+ $.metadata.grayscale: true', '~ $.version: "1.0.0" → "2.0.0"']);
  });
});
