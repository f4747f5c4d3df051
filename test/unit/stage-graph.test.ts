import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alreadyMaterialised,
  findCycle,
  parseStageGraph,
  planMaterialisation,
  type GraphStage,
} from '../../src/domain/runs/stage-graph.js';
import { issue, NOW, stage } from './run-fixtures.js';

const refused = (payload: unknown) => {
  const r = parseStageGraph(payload);
  assert.ok(!r.ok, `accepted ${JSON.stringify(payload)}`);
  return r.error;
};

describe('parseStageGraph', () => {
  it('reads stages and issues with their defaults', () => {
    const r = parseStageGraph({
      stages: [
        { key: 'design', issues: [{ key: 'i1', title: 'Sketch' }] },
        {
          key: 'build',
          name: 'Build it',
          depends_on: ['design'],
          issues: [
            {
              key: 'i2',
              title: 'Code',
              kind: 'bug',
              depends_on: ['i1'],
              acceptance_criteria: ['works'],
              verification_requirements: ['npm test'],
            },
          ],
        },
      ],
    });
    assert.ok(r.ok, 'r.ok');
    assert.deepEqual(r.value, [
      {
        key: 'design',
        name: 'design',
        dependsOn: [],
        issues: [
          {
            key: 'i1',
            title: 'Sketch',
            kind: 'task',
            dependsOn: [],
            acceptanceCriteria: [],
            verificationRequirements: [],
          },
        ],
      },
      {
        key: 'build',
        name: 'Build it',
        dependsOn: ['design'],
        issues: [
          {
            key: 'i2',
            title: 'Code',
            kind: 'bug',
            dependsOn: ['i1'],
            acceptanceCriteria: ['works'],
            verificationRequirements: ['npm test'],
          },
        ],
      },
    ]);
  });

  it('refuses shapes it cannot read, naming every field', () => {
    const cases: [unknown, string, RegExp][] = [
      [null, 'invalid_request', /payload.stages must be a non-empty array/],
      [{}, 'invalid_request', /payload.stages must be a non-empty array/],
      [{ stages: [] }, 'invalid_request', /non-empty/],
      [{ stages: 'a' }, 'invalid_request', /non-empty/],
      [{ stages: [7] }, 'invalid_request', /payload.stages\[0\] must be an object/],
      [{ stages: [{ key: '' }] }, 'invalid_request', /payload.stages\[0\].key must be a non-empty string/],
      [{ stages: [{ key: '  ' }] }, 'invalid_request', /key must be a non-empty string/],
      [
        { stages: [{ key: 'a', depends_on: 'b' }] },
        'invalid_request',
        /depends_on must be an array of strings/,
      ],
      [
        { stages: [{ key: 'a', depends_on: [1] }] },
        'invalid_request',
        /depends_on must be an array of strings/,
      ],
      [
        { stages: [{ key: 'a', issues: {} }] },
        'invalid_request',
        /payload.stages\[0\].issues must be an array/,
      ],
      [
        { stages: [{ key: 'a', issues: [{ key: 'i' }] }] },
        'invalid_request',
        /payload.stages\[0\].issues\[0\].title must be a non-empty string/,
      ],
      [
        { stages: [{ key: 'a', issues: [{ key: 'i', title: 't', acceptance_criteria: [true] }] }] },
        'invalid_request',
        /acceptance_criteria must be an array of strings/,
      ],
    ];
    for (const [payload, code, reason] of cases) {
      const e = refused(payload);
      assert.equal(e.code, code, JSON.stringify(payload));
      assert.match(e.reason, reason, JSON.stringify(payload));
    }
    // Every problem at once, each with its path.
    const e = refused({ stages: [{ key: '' }, { key: 'b', issues: [{ title: '' }] }] });
    assert.deepEqual(e.details?.problems, [
      'payload.stages[0].key must be a non-empty string',
      'payload.stages[1].issues[0].key must be a non-empty string',
      'payload.stages[1].issues[0].title must be a non-empty string',
    ]);
  });

  it('refuses duplicate keys, stage and issue alike', () => {
    const twice = refused({ stages: [{ key: 'a' }, { key: 'a' }] });
    assert.deepEqual([twice.code, twice.details?.keys], ['invalid_stage_graph', ['a']]);
    const issues = refused({
      stages: [
        { key: 'a', issues: [{ key: 'i', title: 't' }] },
        { key: 'b', issues: [{ key: 'i', title: 't' }] },
      ],
    });
    assert.deepEqual([issues.code, issues.details?.keys], ['invalid_stage_graph', ['i']]);
  });

  it('refuses dependencies on unknown keys, stages on issues included', () => {
    const cases: [unknown, string[]][] = [
      [{ stages: [{ key: 'a', depends_on: ['ghost'] }] }, ['a → ghost']],
      [{ stages: [{ key: 'a', issues: [{ key: 'i', title: 't', depends_on: ['j'] }] }] }, ['i → j']],
      // A stage may not depend on an issue's key, nor an issue on a stage's.
      [{ stages: [{ key: 'a', depends_on: ['i'], issues: [{ key: 'i', title: 't' }] }] }, ['a → i']],
      [{ stages: [{ key: 'a', issues: [{ key: 'i', title: 't', depends_on: ['a'] }] }] }, ['i → a']],
    ];
    for (const [payload, dangling] of cases) {
      const e = refused(payload);
      assert.equal(e.code, 'invalid_stage_graph');
      assert.deepEqual(e.details?.dangling, dangling);
    }
  });

  it('refuses cycles: a self-dependency, a loop of stages, a loop of issues', () => {
    const cases: [unknown, string[]][] = [
      [{ stages: [{ key: 'a', depends_on: ['a'] }] }, ['a', 'a']],
      [
        {
          stages: [
            { key: 'a', depends_on: ['c'] },
            { key: 'b', depends_on: ['a'] },
            { key: 'c', depends_on: ['b'] },
          ],
        },
        ['a', 'c', 'b', 'a'],
      ],
      [
        {
          stages: [
            {
              key: 's',
              issues: [
                { key: 'i', title: 't', depends_on: ['j'] },
                { key: 'j', title: 't', depends_on: ['i'] },
              ],
            },
          ],
        },
        ['i', 'j', 'i'],
      ],
    ];
    for (const [payload, cycle] of cases) {
      const e = refused(payload);
      assert.equal(e.code, 'invalid_stage_graph');
      assert.deepEqual(e.details?.cycle, cycle);
      assert.match(e.reason, /dependency cycle: /);
    }
  });
});

describe('findCycle', () => {
  it('finds a cycle or none, in DAGs, diamonds, disconnected parts and empty graphs', () => {
    const cases: [string, [string, string[]][], string[] | null][] = [
      ['empty', [], null],
      ['one node', [['a', []]], null],
      [
        'chain',
        [
          ['a', ['b']],
          ['b', ['c']],
          ['c', []],
        ],
        null,
      ],
      [
        'diamond',
        [
          ['a', ['b', 'c']],
          ['b', ['d']],
          ['c', ['d']],
          ['d', []],
        ],
        null,
      ],
      ['unknown target is a leaf', [['a', ['zz']]], null],
      ['self loop', [['a', ['a']]], ['a', 'a']],
      [
        'two-cycle',
        [
          ['a', ['b']],
          ['b', ['a']],
        ],
        ['a', 'b', 'a'],
      ],
      [
        'cycle past a prefix',
        [
          ['x', ['a']],
          ['a', ['b']],
          ['b', ['a']],
        ],
        ['a', 'b', 'a'],
      ],
      // A finished branch (b) is not part of the cycle found after it.
      [
        'cycle after a finished branch',
        [
          ['a', ['b', 'c']],
          ['b', []],
          ['c', ['a']],
        ],
        ['a', 'c', 'a'],
      ],
      [
        'cycle in a second part',
        [
          ['p', []],
          ['q', ['r']],
          ['r', ['q']],
        ],
        ['q', 'r', 'q'],
      ],
    ];
    for (const [name, edges, cycle] of cases) assert.deepEqual(findCycle(new Map(edges)), cycle, name);
  });
});

describe('planMaterialisation', () => {
  let n = 0;
  const ctx = { runId: 'run-1', now: NOW, newId: (p: string) => `${p}-${(n += 1)}` };
  const graph: GraphStage[] = [
    {
      key: 'a',
      name: 'A',
      dependsOn: [],
      issues: [
        {
          key: 'i1',
          title: 'one',
          kind: 'task',
          dependsOn: [],
          acceptanceCriteria: [],
          verificationRequirements: [],
        },
      ],
    },
    {
      key: 'b',
      name: 'B',
      dependsOn: ['a'],
      issues: [
        {
          key: 'i2',
          title: 'two',
          kind: 'task',
          dependsOn: ['i1'],
          acceptanceCriteria: [],
          verificationRequirements: [],
        },
      ],
    },
  ];

  it('creates every record of a first graph, dependencies as record ids', () => {
    n = 0;
    const p = planMaterialisation(graph, 'art-1', { stages: [], issues: [] }, ctx);
    assert.deepEqual([p.created, p.updated, p.superseded], [4, 0, 0]);
    const byKey = new Map([...p.stages, ...p.issues].map((r) => [r.stableKey, r]));
    assert.deepEqual(byKey.get('b')!.dependsOn, [byKey.get('a')!.id]);
    assert.deepEqual(byKey.get('i2')!.dependsOn, [byKey.get('i1')!.id]);
    assert.equal(p.issues.find((i) => i.stableKey === 'i2')!.stageId, byKey.get('b')!.id);
    for (const r of [...p.stages, ...p.issues]) {
      assert.deepEqual([r.status, r.version, r.materializedFromArtifactId], ['pending', 1, 'art-1']);
    }
  });

  it('updates kept keys in place (status kept), creates new ones, supersedes the ones gone', () => {
    const existing = {
      stages: [
        stage('stg-a', 'passed', { stableKey: 'a', version: 3 }),
        stage('stg-old', 'running', { stableKey: 'old' }),
        stage('stg-gone', 'pending', { stableKey: 'gone', supersededByArtifactId: 'art-0' }),
        stage('stg-hand', 'pending', { stableKey: null }),
      ],
      issues: [
        issue('iss-1', 'stg-a', 'passed', { stableKey: 'i1' }),
        issue('iss-x', 'stg-old', 'ready', { stableKey: 'x' }),
      ],
    };
    const p = planMaterialisation(graph, 'art-2', existing, ctx);
    assert.deepEqual([p.created, p.updated, p.superseded], [2, 2, 2]);
    const a = p.stages.find((s) => s.stableKey === 'a')!;
    assert.deepEqual([a.id, a.status, a.version, a.stageName], ['stg-a', 'passed', 4, 'A']);
    const i1 = p.issues.find((i) => i.stableKey === 'i1')!;
    assert.deepEqual([i1.id, i1.status], ['iss-1', 'passed']);
    const old = p.stages.find((s) => s.id === 'stg-old')!;
    assert.deepEqual([old.supersededByArtifactId, old.status, old.version], ['art-2', 'running', 2]);
    assert.equal(p.issues.find((i) => i.id === 'iss-x')!.supersededByArtifactId, 'art-2');
    // Already superseded records and records made by hand are not touched.
    assert.ok(
      !p.stages.some((s) => s.id === 'stg-gone' || s.id === 'stg-hand'),
      "!p.stages.some((s) => s.id === 'stg-gone' || s.id === 'stg-hand')",
    );
  });

  it('an empty graph supersedes every live materialised record', () => {
    const p = planMaterialisation([], 'art-3', { stages: [stage('s1')], issues: [issue('i1', 's1')] }, ctx);
    assert.deepEqual([p.created, p.updated, p.superseded], [0, 0, 2]);
  });

  it('knows an artifact that already shaped the run', () => {
    const cases: [string, boolean][] = [
      ['art-1', true],
      ['art-2', true],
      ['art-3', false],
    ];
    const stages = [stage('s', 'pending', { materializedFromArtifactId: 'art-1' })];
    const issues = [issue('i', 's', 'pending', { supersededByArtifactId: 'art-2' })];
    for (const [id, done] of cases) assert.equal(alreadyMaterialised(id, stages, issues), done, id);
    assert.equal(alreadyMaterialised('art-1', [], []), false);
  });
});

describe('parseStageGraph: exact refusals and defaults', () => {
  it('a stage that is not an object is named, however many other problems there are', () => {
    const e = refused({ stages: [null, 5, { key: 'c', depends_on: ['x', 1] }] });
    assert.equal(e.code, 'invalid_request');
    assert.deepEqual(e.details?.problems, [
      'payload.stages[0] must be an object',
      'payload.stages[1] must be an object',
      'payload.stages[2].depends_on must be an array of strings',
    ]);
    assert.equal(
      e.reason,
      'payload.stages[0] must be an object; payload.stages[1] must be an object; payload.stages[2].depends_on must be an array of strings',
    );
  });

  it('names each list of an issue by its path', () => {
    const e = refused({
      stages: [
        {
          key: 'a',
          issues: [
            {
              key: 'i',
              title: 't',
              depends_on: 'j',
              verification_requirements: [1],
              acceptance_criteria: 'x',
            },
          ],
        },
      ],
    });
    assert.deepEqual(e.details?.problems, [
      'payload.stages[0].issues[0].depends_on must be an array of strings',
      'payload.stages[0].issues[0].acceptance_criteria must be an array of strings',
      'payload.stages[0].issues[0].verification_requirements must be an array of strings',
    ]);
  });

  it('a blank or missing name is the key, a blank or missing kind is task', () => {
    const r = parseStageGraph({
      stages: [
        { key: 'a', name: '', issues: [{ key: 'i', title: 't', kind: '' }] },
        { key: 'b', name: 5, issues: [{ key: 'j', title: 't', kind: 7 }] },
        { key: 'c', name: 'Sea' },
      ],
    });
    assert.ok(r.ok, 'r.ok');
    assert.deepEqual(
      r.value.map((s) => s.name),
      ['a', 'b', 'Sea'],
    );
    assert.deepEqual(
      r.value.flatMap((s) => s.issues.map((i) => i.kind)),
      ['task', 'task'],
    );
    assert.deepEqual(r.value[2]!.issues, []);
  });

  it('says which keys are duplicated, dangling or in a cycle, in its reason', () => {
    const dup = refused({
      stages: [
        { key: 'a' },
        { key: 'a' },
        {
          key: 'b',
          issues: [
            { key: 'i', title: 't' },
            { key: 'i', title: 't' },
          ],
        },
      ],
    });
    assert.equal(dup.reason, 'duplicate keys: a, i');
    assert.deepEqual(dup.details?.keys, ['a', 'i']);
    const dangling = refused({ stages: [{ key: 'a', depends_on: ['x', 'y'] }] });
    assert.equal(dangling.reason, 'dependencies on keys that do not exist: a → x, a → y');
    const cycle = refused({
      stages: [
        { key: 'a', depends_on: ['b'] },
        { key: 'b', depends_on: ['a'] },
      ],
    });
    assert.equal(cycle.code, 'invalid_stage_graph');
    assert.equal(cycle.reason, 'dependency cycle: a → b → a');
  });
});

describe('planMaterialisation: records in full', () => {
  const graph: GraphStage[] = [
    {
      key: 'a',
      name: 'A',
      dependsOn: [],
      issues: [
        {
          key: 'i1',
          title: 'one',
          kind: 'task',
          dependsOn: [],
          acceptanceCriteria: ['ok'],
          verificationRequirements: ['npm test'],
        },
      ],
    },
  ];

  it('a new stage and issue start pending, with fresh ids of their kind and empty notes', () => {
    let n = 0;
    const ctx = { runId: 'run-9', now: NOW, newId: (p: string) => `${p}-${(n += 1)}` };
    const p = planMaterialisation(graph, 'art-1', { stages: [], issues: [] }, ctx);
    assert.deepEqual(p.stages, [
      {
        id: 'stg-1',
        runId: 'run-9',
        status: 'pending',
        assignedRoomId: null,
        summary: null,
        verificationSummary: null,
        notes: [],
        createdAt: NOW,
        updatedAt: NOW,
        version: 1,
        stageName: 'A',
        dependsOn: [],
        stableKey: 'a',
        materializedFromArtifactId: 'art-1',
        supersededByArtifactId: null,
      },
    ]);
    assert.deepEqual(p.issues, [
      {
        id: 'iss-2',
        runId: 'run-9',
        status: 'pending',
        assignedRoomId: null,
        summary: null,
        notes: [],
        createdAt: NOW,
        updatedAt: NOW,
        version: 1,
        stageId: 'stg-1',
        title: 'one',
        kind: 'task',
        dependsOn: [],
        acceptanceCriteria: ['ok'],
        verificationRequirements: ['npm test'],
        stableKey: 'i1',
        materializedFromArtifactId: 'art-1',
        supersededByArtifactId: null,
      },
    ]);
  });

  it('a kept issue keeps its id and moves up a version; a superseded one too; one superseded before is a new record', () => {
    const ids: string[] = [];
    const ctx = { runId: 'run-1', now: NOW, newId: (p: string) => (ids.push(p), `${p}-new`) };
    const kept = planMaterialisation(
      graph,
      'art-2',
      {
        stages: [stage('stg-a', 'passed', { stableKey: 'a' })],
        issues: [
          issue('iss-1', 'stg-a', 'passed', { stableKey: 'i1', version: 4 }),
          issue('iss-2', 'stg-a', 'ready', { stableKey: 'i2', version: 7 }),
        ],
      },
      ctx,
    );
    assert.deepEqual(ids, [], 'no new ids for kept keys');
    assert.deepEqual(
      kept.issues.map((i) => [i.id, i.version, i.supersededByArtifactId]),
      [
        ['iss-1', 5, null],
        ['iss-2', 8, 'art-2'],
      ],
    );
    const reborn = planMaterialisation(
      graph,
      'art-3',
      {
        stages: [stage('stg-a', 'passed', { stableKey: 'a' })],
        issues: [
          issue('iss-old', 'stg-a', 'passed', { stableKey: 'i1', supersededByArtifactId: 'art-0' }),
          issue('iss-hand', 'stg-a', 'passed', { stableKey: null }),
        ],
      },
      ctx,
    );
    assert.deepEqual(ids, ['iss']);
    assert.deepEqual(
      reborn.issues.map((i) => [i.id, i.status, i.version]),
      [['iss-new', 'pending', 1]],
    );
    assert.deepEqual([reborn.created, reborn.updated, reborn.superseded], [1, 1, 0]);
  });
});
