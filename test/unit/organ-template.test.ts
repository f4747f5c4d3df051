import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { organCellId, parseOrganTemplate } from '../../src/domain/organs/organ-template.js';

const base = { id: 'triage', roles: ['intake'], cells: ['a.v1', 'b.v1'] };

/** The problems a template is refused with, or [] when it is accepted. */
const problems = (raw: unknown): string[] => {
  const r = parseOrganTemplate(raw);
  if (r.ok) return [];
  assert.equal(r.error.code, 'invalid_template');
  const listed = r.error.details?.problems as string[];
  assert.equal(r.error.reason, `invalid organ template: ${listed.join('; ')}`);
  return listed;
};

describe('organ templates', () => {
  it('accept the least template, with version 0.1.0, no pathways and no policies', () => {
    assert.deepEqual(parseOrganTemplate(base), {
      ok: true,
      value: {
        id: 'triage',
        version: '0.1.0',
        roles: ['intake'],
        cells: ['a.v1', 'b.v1'],
        pathways: [],
        policies: {},
      },
    });
    assert.deepEqual(problems({ ...base, roles: [] }), []);
  });

  it('keep what is given', () => {
    const r = parseOrganTemplate({
      ...base,
      id: 'Triage_2.x-y',
      version: '1.2.3-rc.1',
      pathways: [
        { name: 'main', cells: ['a.v1', 'b.v1'], description: 'all' },
        { name: 'short', cells: ['b.v1'] },
      ],
      policies: { stage: 'canary', hitl: false, smoke_input: { x: 1 }, other: 2 },
    });
    assert.deepEqual(r, {
      ok: true,
      value: {
        id: 'Triage_2.x-y',
        version: '1.2.3-rc.1',
        roles: ['intake'],
        cells: ['a.v1', 'b.v1'],
        pathways: [
          { name: 'main', cells: ['a.v1', 'b.v1'], description: 'all' },
          { name: 'short', cells: ['b.v1'] },
        ],
        policies: { stage: 'canary', hitl: false, smoke_input: { x: 1 }, other: 2 },
      },
    });
  });

  it('read the legacy nodes and channels as cells and pathways', () => {
    const r = parseOrganTemplate({
      id: 'old',
      roles: [],
      nodes: ['a.v1', 'b.v1'],
      channels: [{ name: 'c', nodes: ['b.v1', 'a.v1'] }],
    });
    assert.deepEqual(r.ok && r.value, {
      id: 'old',
      version: '0.1.0',
      roles: [],
      cells: ['a.v1', 'b.v1'],
      pathways: [{ name: 'c', cells: ['b.v1', 'a.v1'] }],
      policies: {},
    });
    assert.deepEqual(problems({ id: 'old', roles: [], nodes: [] }), [
      '$.nodes: required, a non-empty array of cell ids',
    ]);
    assert.deepEqual(problems({ ...base, channels: [{ name: 'c', cells: ['z'] }] }), [
      '$.channels[0].cells: z is not listed in $.cells',
    ]);
    assert.deepEqual(problems({ ...base, channels: {} }), ['$.channels: must be an array']);
    assert.deepEqual(problems({ ...base, nodes: ['a.v1'] }), ['$: give cells or the legacy nodes, not both']);
    assert.deepEqual(problems({ ...base, pathways: [], channels: [] }), [
      '$: give pathways or the legacy channels, not both',
    ]);
  });

  it('refuse what is not an object', () => {
    for (const raw of [null, undefined, 'x', 7, [], [base]]) {
      const r = parseOrganTemplate(raw);
      assert.deepEqual(r, {
        ok: false,
        error: {
          code: 'invalid_template',
          reason: 'invalid organ template: $: must be an object',
          details: { problems: ['$: must be an object'] },
        },
      });
    }
  });

  it('refuse a bad id, version, roles or cells, listing every problem at once', () => {
    for (const id of [undefined, '', '-x', '.x', 'a b', 'a/b', 'a:b', 7])
      assert.deepEqual(problems({ ...base, id }), ['$.id: required, letters, digits, . _ -'], String(id));
    for (const version of ['0.0.0', '10.20.30', '1.2.3+build.5', '1.2.3-alpha-2', '1.2.3-rc.1+build.5'])
      assert.deepEqual(problems({ ...base, version }), [], version);
    for (const version of [
      '1',
      '1.2',
      'v1.2.3',
      '1.2.3-',
      '1.2.3 ',
      'x1.2.3',
      '01.2.3',
      '1.2.3-01',
      '1.2.3+',
      1,
      {},
      ['1.2.3'],
    ])
      assert.deepEqual(
        problems({ ...base, version }),
        ['$.version: must be a SemVer version'],
        String(version),
      );
    for (const roles of [undefined, 'intake', [''], [1], null])
      assert.deepEqual(
        problems({ ...base, roles }),
        ['$.roles: required, an array of strings'],
        String(roles),
      );
    for (const cells of [undefined, [], [''], ['a', 2], 'a', null])
      assert.deepEqual(
        problems({ ...base, cells }),
        ['$.cells: required, a non-empty array of cell ids'],
        String(cells),
      );
    assert.deepEqual(problems({ extra: 1, id: '', roles: 'x', cells: [], policies: [] }), [
      '$.extra: unknown key',
      '$.id: required, letters, digits, . _ -',
      '$.roles: required, an array of strings',
      '$.cells: required, a non-empty array of cell ids',
      '$.policies: must be an object',
    ]);
  });

  it('refuse bad pathways, naming each by its index', () => {
    assert.deepEqual(problems({ ...base, pathways: 'main' }), ['$.pathways: must be an array']);
    assert.deepEqual(problems({ ...base, pathways: [null, 'x', 3] }), [
      '$.pathways[0]: must be an object',
      '$.pathways[1]: must be an object',
      '$.pathways[2]: must be an object',
    ]);
    assert.deepEqual(problems({ ...base, pathways: [{ cells: ['a.v1'] }, { name: '', cells: ['a.v1'] }] }), [
      '$.pathways[0].name: required',
      '$.pathways[1].name: required',
    ]);
    for (const cells of [undefined, [], [''], 'a.v1'])
      assert.deepEqual(
        problems({ ...base, pathways: [{ name: 'p', cells }] }),
        ['$.pathways[0].cells: required, a non-empty array'],
        String(cells),
      );
    assert.deepEqual(problems({ ...base, pathways: [{ name: 'p', cells: ['a.v1', 'z', 'y'] }] }), [
      '$.pathways[0].cells: z is not listed in $.cells',
      '$.pathways[0].cells: y is not listed in $.cells',
    ]);
    // With the template's own cells unreadable, only that is reported, not each pathway cell.
    assert.deepEqual(problems({ ...base, cells: 'a.v1', pathways: [{ name: 'p', cells: ['z'] }] }), [
      '$.cells: required, a non-empty array of cell ids',
    ]);
    assert.deepEqual(
      problems({ ...base, pathways: [{ name: 'p', cells: ['a.v1'], description: 5, via: 1 }] }),
      ['$.pathways[0].description: must be a string', '$.pathways[0].via: unknown key'],
    );
    assert.deepEqual(
      problems({
        ...base,
        pathways: [
          { name: 'p', cells: ['a.v1'] },
          { name: 'q', cells: ['a.v1'] },
          { name: 'p', cells: ['b.v1'] },
          { name: 'p', cells: ['b.v1'] },
        ],
      }),
      ['$.pathways: duplicate pathway p'],
    );
  });

  it('name the key as given when both spellings are', () => {
    assert.deepEqual(problems({ ...base, cells: [], nodes: ['a.v1'] }), [
      '$: give cells or the legacy nodes, not both',
      '$.cells: required, a non-empty array of cell ids',
    ]);
    assert.deepEqual(problems({ ...base, pathways: 'x', channels: [] }), [
      '$: give pathways or the legacy channels, not both',
      '$.pathways: must be an array',
    ]);
  });

  it('do not report pathways refused for their name or cells as duplicates', () => {
    assert.deepEqual(problems({ ...base, pathways: [{ cells: ['a.v1'] }, { cells: ['a.v1'] }] }), [
      '$.pathways[0].name: required',
      '$.pathways[1].name: required',
    ]);
    assert.deepEqual(
      problems({
        ...base,
        pathways: [
          { name: 'p', cells: [''] },
          { name: 'p', cells: 'a.v1' },
        ],
      }),
      [
        '$.pathways[0].cells: required, a non-empty array',
        '$.pathways[1].cells: required, a non-empty array',
      ],
    );
  });

  it('refuse policies that are not an object, or a hitl that is not a boolean', () => {
    // null reads as absent, like a null version.
    const nulls = parseOrganTemplate({ ...base, version: null, policies: null });
    assert.deepEqual(nulls.ok && [nulls.value.version, nulls.value.policies], ['0.1.0', {}]);
    for (const policies of ['x', 3, []])
      assert.deepEqual(problems({ ...base, policies }), ['$.policies: must be an object'], String(policies));
    for (const hitl of ['true', 1, null])
      assert.deepEqual(problems({ ...base, policies: { hitl } }), ['$.policies.hitl: must be a boolean']);
    assert.deepEqual(problems({ ...base, policies: { hitl: true } }), []);
  });
});

describe('organ cell references', () => {
  it('name an adapter cell by template id, or any cell by its full id', () => {
    assert.equal(organCellId('analysis.echo_adapter.v1'), 'adapter:analysis.echo_adapter.v1');
    assert.equal(organCellId('script:analysis.x.v1'), 'script:analysis.x.v1');
    assert.equal(organCellId('adapter:y'), 'adapter:y');
  });
});
