import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowedCommands,
  chooseRevision,
  isServing,
  LIFECYCLE_COMMANDS,
  nextState,
  REVISION_STATES,
  trafficSplit,
  type LifecycleCommand,
  type RevisionState,
} from '../../src/domain/cells/cell-lifecycle.js';

/** Every legal move, written out: whatever is not here must be refused. */
const LEGAL: Record<LifecycleCommand, Partial<Record<RevisionState, RevisionState>>> = {
  approve: { draft: 'canary', canary: 'experimental', experimental: 'stable' },
  disable: {
    draft: 'disabled',
    canary: 'disabled',
    experimental: 'disabled',
    stable: 'disabled',
    failed: 'disabled',
  },
  rollback: {
    draft: 'rolled_back',
    canary: 'rolled_back',
    experimental: 'rolled_back',
    stable: 'rolled_back',
    failed: 'rolled_back',
  },
  auto_heal: {
    draft: 'healing',
    canary: 'healing',
    experimental: 'healing',
    stable: 'healing',
    failed: 'healing',
  },
  auto_rollback: {
    canary: 'rolled_back',
    experimental: 'rolled_back',
    stable: 'rolled_back',
    failed: 'rolled_back',
    healing: 'rolled_back',
  },
};

describe('cell revision lifecycle', () => {
  it('every (state, command) pair: the legal move, or a refusal listing what the state allows', () => {
    for (const from of REVISION_STATES) {
      const allowed = LIFECYCLE_COMMANDS.filter((c) => LEGAL[c][from] !== undefined);
      assert.deepEqual(allowedCommands(from), allowed, from);
      for (const command of LIFECYCLE_COMMANDS) {
        const to = LEGAL[command][from];
        assert.deepEqual(
          nextState(from, command),
          to === undefined ? { ok: false, allowed } : { ok: true, to },
          `${command} from ${from}`,
        );
      }
    }
  });

  it('terminal states allow nothing; approve walks draft to stable and no further', () => {
    for (const s of ['deprecated', 'disabled', 'rolled_back'] as const)
      assert.deepEqual(allowedCommands(s), [], s);
    assert.deepEqual(allowedCommands('healing'), ['auto_rollback']);
    let s: RevisionState = 'draft';
    const walked: RevisionState[] = [s];
    for (;;) {
      const m = nextState(s, 'approve');
      if (!m.ok) break;
      s = m.to;
      walked.push(s);
    }
    assert.deepEqual(walked, ['draft', 'canary', 'experimental', 'stable']);
  });

  it('serves from canary, experimental and stable only', () => {
    const serving = REVISION_STATES.filter(isServing);
    assert.deepEqual(serving, ['canary', 'experimental', 'stable']);
  });
});

describe('traffic', () => {
  const rev = (id: string, state: RevisionState) => ({ id, state });
  const shares = { canary: 0.1, experimental: 0.2 };
  const split = (revs: { id: string; state: RevisionState }[]) => {
    const s = trafficSplit(revs, shares);
    return { weights: s.candidates.map((c) => [c.revision.id, c.weight]), total: s.total };
  };

  it('gives the canary and experimental revisions their shares whichever exist; the most mature takes the rest', () => {
    const cases: [string, { id: string; state: RevisionState }[], [string, number][], number][] = [
      ['none', [], [], 0],
      ['only non-serving', [rev('d', 'draft'), rev('x', 'disabled'), rev('f', 'failed')], [], 0],
      ['stable only', [rev('s', 'stable')], [['s', 1]], 1],
      ['canary only', [rev('c', 'canary')], [['c', 1]], 1],
      [
        'canary beside stable: exactly its share',
        [rev('s', 'stable'), rev('c', 'canary')],
        [
          ['c', 0.1],
          ['s', 0.9],
        ],
        1,
      ],
      [
        'canary beside experimental, no stable',
        [rev('e', 'experimental'), rev('c', 'canary')],
        [
          ['c', 0.1],
          ['e', 0.9],
        ],
        1,
      ],
      [
        'all three',
        [rev('s', 'stable'), rev('e', 'experimental'), rev('c', 'canary')],
        [
          ['c', 0.1],
          ['e', 0.2],
          ['s', 0.7],
        ],
        1,
      ],
      [
        'the newest of a state wins',
        [rev('c1', 'canary'), rev('c2', 'canary'), rev('s1', 'stable'), rev('s2', 'stable')],
        [
          ['c2', 0.1],
          ['s2', 0.9],
        ],
        1,
      ],
    ];
    for (const [name, revs, weights, total] of cases) {
      const s = split(revs);
      assert.deepEqual(s.weights, weights, name);
      assert.ok(Math.abs(s.total - total) < 1e-9, `${name}: total ${s.total}`);
    }
    // Shares that take everything leave the stable revision nothing, never a negative weight.
    const greedy = trafficSplit([rev('s', 'stable'), rev('c', 'canary')], { canary: 0.8, experimental: 0.5 });
    assert.deepEqual(
      greedy.candidates.map((c) => Math.round(c.weight * 1e9) / 1e9),
      [0.8, 0.2],
    );
  });

  it('a roll in [0, 1) picks in proportion to the weights; nothing to pick is null', () => {
    // Shares exact in binary, so that the boundaries are exact: canary [0, .25), experimental [.25, .5).
    const s = trafficSplit([rev('s', 'stable'), rev('e', 'experimental'), rev('c', 'canary')], {
      canary: 0.25,
      experimental: 0.25,
    });
    const cases: [number, string][] = [
      [0, 'c'],
      [0.2499, 'c'],
      [0.25, 'e'],
      [0.4999, 'e'],
      [0.5, 's'],
      [0.9999, 's'],
    ];
    for (const [roll, id] of cases) assert.equal(chooseRevision(s, roll)?.id, id, String(roll));
    // Without a stable revision the canary keeps its share and the experimental one takes the rest.
    const halves = trafficSplit([rev('e', 'experimental'), rev('c', 'canary')], {
      canary: 0.25,
      experimental: 0.25,
    });
    assert.deepEqual(
      [0.2, 0.3, 0.9].map((roll) => chooseRevision(halves, roll)?.id),
      ['c', 'e', 'e'],
    );
    // A canary alone takes every call.
    const alone = trafficSplit([rev('c', 'canary')], shares);
    for (const roll of [0, 0.5, 0.9999]) assert.equal(chooseRevision(alone, roll)?.id, 'c');
    assert.equal(chooseRevision(trafficSplit([], shares), 0.5), null);
    // Shares of 100%: the stable revision gets nothing, never a negative weight.
    const full = trafficSplit([rev('s', 'stable'), rev('c', 'canary')], { canary: 1, experimental: 0 });
    assert.equal(chooseRevision(full, 0.9999)?.id, 'c');
  });
});
