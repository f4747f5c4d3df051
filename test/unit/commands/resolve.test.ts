import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistryCell, RegistryOrgan } from '../../../src/domain/commands/registry.js';
import {
  cellConcepts,
  conceptOf,
  organConcepts,
  resolve,
  resolveCell,
  resolveOrgan,
} from '../../../src/domain/commands/resolve.js';
import { fixtureRegistry } from './registry-fixture.js';

const cell = (templateId: string, over: Partial<RegistryCell['template']> = {}): RegistryCell => {
  const template = { id: templateId, version: '1.0.0', links: [], metadata: { schema: 'v1' }, ...over };
  return {
    id: `adapter:${templateId}`,
    backend: 'adapter',
    template,
    stableTemplate: template,
    revisions: [],
  };
};
const ids = <T extends { id: string }>(r: { kind: string; candidates?: readonly T[]; value?: T }) =>
  r.kind === 'many' ? r.candidates!.map((c) => c.id) : r.kind === 'one' ? [r.value!.id] : [];

describe('concepts', () => {
  it('a cell is known by the words of its id and of its type, read as concepts', () => {
    assert.deepEqual(
      [...cellConcepts(cell('analysis.text_to_phonemes.v1', { analysis_type: 'транслит' }))].sort(),
      ['phonemes', 'text'],
    );
    assert.deepEqual([...cellConcepts(cell('action.speak_out.v1', { action_type: 'audio' }))].sort(), [
      'audio',
      'out',
      'voice',
    ]);
    assert.deepEqual([...cellConcepts(cell('x.v1'))], ['x']);
  });

  it('an organ by its template id, and by its roles unless told not to', () => {
    const organ = fixtureRegistry().organs[0]!;
    assert.deepEqual([...organConcepts(organ, false)], ['voice']);
    assert.ok(organConcepts(organ).has('phonemes'), "organConcepts(organ).has('phonemes')");
    assert.ok(organConcepts(organ).has('voice'), "organConcepts(organ).has('voice')");
  });

  it('reads a word as the concept of the first stem it starts with', () => {
    assert.equal(conceptOf('голосовой'), 'voice');
    assert.equal(conceptOf('speaker'), 'voice');
    assert.equal(conceptOf('xspeak'), 'xspeak', 'a stem matches at the start only');
  });
});

describe('resolve', () => {
  const cells = [
    cell('analysis.echo_adapter.v1'),
    cell('analysis.reverse_adapter.v1'),
    cell('analysis.summarize.v1'),
  ];

  it('a full id wins outright, the cell id or the template id', () => {
    assert.deepEqual(resolveCell(['adapter:analysis.echo_adapter.v1'], cells, []), {
      kind: 'one',
      value: cells[0],
      exact: true,
    });
    assert.deepEqual(resolveCell(['analysis.summarize.v1'], cells, []), {
      kind: 'one',
      value: cells[2],
      exact: true,
    });
  });

  it('nothing to resolve, or nothing close, is none', () => {
    assert.deepEqual(resolveCell([], cells, []), { kind: 'none' });
    assert.deepEqual(resolveCell(['echo'], [], []), { kind: 'none' });
    assert.deepEqual(resolveCell(['zzyzx'], cells, []), { kind: 'none' });
  });

  it('scores a word met exactly as 1, and within one slip (five letters or more) as 0.8', () => {
    assert.deepEqual(resolveCell(['echo'], cells, []), { kind: 'one', value: cells[0], exact: true });
    assert.deepEqual(resolveCell(['sumarize'], cells, []), { kind: 'one', value: cells[2], exact: false });
    assert.deepEqual(resolveCell(['ech'], cells, []), { kind: 'none' }, 'short words must match exactly');
    assert.deepEqual(resolveCell(['reverse', 'zzyzx'], cells, []), {
      kind: 'one',
      value: cells[1],
      exact: false,
    });
    // "adapter" names two cells equally: ambiguous; "echo adapter" names one of them best.
    assert.deepEqual(ids(resolveCell(['adapter'], cells, [])), [cells[0]!.id, cells[1]!.id]);
    assert.deepEqual(resolveCell(['echo', 'adapter'], cells, []), {
      kind: 'one',
      value: cells[0],
      exact: true,
    });
  });

  it('breaks a tie by the other words of the command, then by the previous step’s links', () => {
    assert.deepEqual(ids(resolveCell(['adapter'], cells, ['reverse'])), [cells[1]!.id]);
    const linked = [
      cell('a.fast_adapter.v1', { links: ['analysis.echo_adapter.v1'] }),
      cell('b.slow_adapter.v1'),
    ];
    assert.deepEqual(
      ids(resolveCell(['adapter'], linked, [])),
      linked.map((c) => c.id),
    );
    assert.deepEqual(ids(resolveCell(['adapter'], linked, [], cells[0])), [linked[0]!.id]);
    const byCellId = [
      cell('a.fast_adapter.v1', { links: ['adapter:analysis.echo_adapter.v1'] }),
      cell('b.slow_adapter.v1'),
    ];
    assert.deepEqual(ids(resolveCell(['adapter'], byCellId, [], cells[0])), [byCellId[0]!.id]);
  });

  it('two items with the same full id are settled by concepts', () => {
    const twins = [cell('echo'), { ...cell('echo'), id: 'script:echo' }];
    assert.equal(
      resolve(
        ['echo'],
        twins,
        (c) => [c.template.id],
        cellConcepts,
        () => 0,
      ).kind,
      'many',
    );
  });

  it('resolves organs by template id, organ id and roles', () => {
    const reg = fixtureRegistry();
    const organs: RegistryOrgan[] = [
      ...reg.organs,
      {
        ...reg.organs[0]!,
        id: 'organ-2',
        template: { ...reg.organs[0]!.template, id: 'organ.vision.v1', roles: ['describe'] },
      },
    ];
    assert.deepEqual(ids(resolveOrgan(['organ-2'], organs, [])), ['organ-2']);
    assert.deepEqual(ids(resolveOrgan(['voice'], organs, [])), ['organ-1']);
    assert.deepEqual(ids(resolveOrgan(['phonemes'], organs, [])), ['organ-1']);
    assert.deepEqual(ids(resolveOrgan(['phonemes'], organs, [], false)), []);
    assert.deepEqual(ids(resolveOrgan(['describe'], organs, [])), ['organ-2']);
  });
});
