import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN } from './support/app.js';
import { runCli, startServerProcess, type ServerProcess } from './support/server-process.js';
import { freshTarget, type TestStoreTarget } from './support/stores.js';

describe('fabrica say against a running server', () => {
  let target: TestStoreTarget;
  let server: ServerProcess;
  let env: Record<string, string>;
  const cli = async (args: string[], code = 0) => {
    const r = await runCli(args, env);
    assert.equal(r.code, code, `fabrica ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r;
  };
  before(async () => {
    target = await freshTarget('sqlite');
    server = await startServerProcess({ ...target.env, ORGANS_BUILDER_STAGE_DELAYS: '20,20,20' });
    env = { FABRICA_URL: server.url, FABRICA_TOKEN: ADMIN };
    await cli(['examples', 'load']);
  });
  after(async () => {
    await server.kill('SIGTERM');
    await target.cleanup();
  });

  it('prints the plan and applies nothing without --yes when nobody can confirm', async () => {
    const r = await cli(['say', 'обнови зрение до v2 (grayscale)'], 1);
    // no vision cell among the examples: the candidates are listed
    assert.match(r.stderr, /error command_ambiguous: "зрение"/);
    assert.match(r.stderr, /^fabrica: candidates: adapter:analysis\.echo_adapter\.v1, /m);
    const p = await cli(['say', 'обнови нормализацию до v2 (lowercase)']);
    assert.match(
      p.stdout,
      /^intent {3}cell\.new_version \(ru, confidence 1\) → adapter:analysis\.text_normalize\.v1$/m,
    );
    assert.match(p.stdout, /^ {2}\+ \$\.metadata\.lowercase: true$/m);
    assert.match(p.stdout, /^ {2}✓ capability:factory_adapter: factory_adapter is experimental$/m);
    assert.match(p.stdout, /^ {2}POST \/factory\/cells$/m);
    assert.match(p.stderr, /not applied: run again with --yes/);
    // nothing was applied: the same plan again still finds the version free, and the diff the same
    const again = await cli(['say', '--json', 'обнови нормализацию до v2 (lowercase)']);
    assert.equal(JSON.parse(again.stdout).spec.version, '2.0.0');
    const list = await cli(['cells', 'list', '--json']);
    assert.doesNotMatch(list.stdout, /"2\.0\.0"/);
  });

  it('says "собери speak-pipeline normalize→phonemes→adapter" --yes: applies, follows the build, and the organ speaks', async () => {
    const r = await cli(['say', '--yes', '--json', 'собери speak-pipeline normalize→phonemes→adapter']);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines[0].intent, 'organ.build');
    assert.equal(lines[1].intent, 'organ.build');
    const organ = lines[1].results[0].body.organ_id;
    assert.match(organ, /^organ-\d+$/);
    // the watch followed the build until it waits for the human approval (the plan's organ is HITL)
    assert.ok(
      lines.some((l: any) => l.type === 'organ.awaiting_approval' && l.subject_id === organ),
      r.stdout,
    );
    const inv = await cli(['organs', 'invoke', organ, 'Нейра говорит']);
    assert.equal(inv.stdout.trim(), 'N-YE-I-R-A G-O-V-O-R-I-T');
  });

  it('fails with the refusal for text no intent fits', async () => {
    const r = await cli(['say', '--yes', 'hello there'], 1);
    assert.match(r.stderr, /^error command_not_understood: /m);
    assert.match(
      r.stderr,
      /^fabrica: try organ\.build: fabrica say "build speak-pipeline normalize -> phonemes -> adapter"$/m,
    );
  });
});
