import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  chainedContent,
  chainedFields,
  eventHash,
  GENESIS_HASH,
  matchesFilter,
  toPublicEvent,
  verifyChainSegment,
  type EventRecord,
} from '../../src/domain/event.js';

const unhashed = (
  seq: number,
  prevHash: string,
  over: Partial<EventRecord> = {},
): Omit<EventRecord, 'hash'> => ({
  seq,
  ts: `2026-01-01T00:00:0${seq % 10}.000Z`,
  type: 'test.tick',
  subjectKind: 'test',
  subjectId: `s${seq}`,
  tenant: null,
  actor: 'tester',
  data: JSON.stringify({ i: seq }),
  prevHash,
  ...over,
});

/** A valid chain of `n` events after `previous`. */
function chain(n: number, previous = { seq: 0, hash: GENESIS_HASH }): EventRecord[] {
  const out: EventRecord[] = [];
  let prev = previous;
  for (let i = 1; i <= n; i += 1) {
    const e = unhashed(prev.seq + 1, prev.hash);
    const full = { ...e, hash: eventHash(e) };
    out.push(full);
    prev = { seq: full.seq, hash: full.hash };
  }
  return out;
}

describe('event hash chain', () => {
  it('starts from 64 zeros', () => {
    assert.equal(GENESIS_HASH, '0000000000000000000000000000000000000000000000000000000000000000');
  });

  it('hashes [seq, content, prevHash] as a JSON array with SHA-256', () => {
    const e = unhashed(7, 'ab'.repeat(32), { tenant: 'acme' });
    const input = JSON.stringify([
      7,
      e.ts,
      e.type,
      e.subjectKind,
      e.subjectId,
      'acme',
      e.actor,
      e.data,
      e.prevHash,
    ]);
    assert.equal(eventHash(e), createHash('sha256').update(input).digest('hex'));
  });

  it('lists the chained fields in their order, and their content without the brackets', () => {
    const e = unhashed(1, GENESIS_HASH);
    assert.deepEqual(chainedFields(e), [e.ts, e.type, e.subjectKind, e.subjectId, null, e.actor, e.data]);
    assert.equal(chainedContent(e), JSON.stringify(chainedFields(e)).slice(1, -1));
    assert.ok(!chainedContent(e).startsWith('['), "!chainedContent(e).startsWith('[')");
    assert.ok(!chainedContent(e).endsWith(']'), "!chainedContent(e).endsWith(']')");
  });

  it('changes the hash when any field changes', () => {
    const e = unhashed(3, GENESIS_HASH);
    const base = eventHash(e);
    const variants: Partial<EventRecord>[] = [
      { seq: 4 },
      { ts: '2030-01-01T00:00:00.000Z' },
      { type: 'other' },
      { subjectKind: 'other' },
      { subjectId: 'other' },
      { tenant: 'acme' },
      { actor: 'other' },
      { data: '{}' },
      { prevHash: 'f'.repeat(64) },
    ];
    for (const v of variants) assert.notEqual(eventHash({ ...e, ...v }), base, JSON.stringify(v));
  });

  it('verifies an intact segment, from genesis and from a page boundary', () => {
    const all = chain(6);
    assert.equal(verifyChainSegment(all, { seq: 0, hash: GENESIS_HASH }), null);
    assert.equal(verifyChainSegment(all.slice(3), { seq: 3, hash: all[2]!.hash }), null);
    assert.equal(verifyChainSegment([], { seq: 9, hash: 'x' }), null);
  });

  it('finds a gap in seq (a deleted row)', () => {
    const all = chain(5);
    const cut = [all[0]!, all[1]!, all[3]!, all[4]!];
    assert.deepEqual(verifyChainSegment(cut, { seq: 0, hash: GENESIS_HASH }), {
      seq: 4,
      problem: 'seq_gap',
      expected: '3',
      found: '4',
    });
  });

  it('finds a broken link to the previous hash', () => {
    const all = chain(3);
    assert.deepEqual(verifyChainSegment(all.slice(1), { seq: 1, hash: 'e'.repeat(64) }), {
      seq: 2,
      problem: 'prev_hash_mismatch',
      expected: 'e'.repeat(64),
      found: all[0]!.hash,
    });
  });

  it('finds an edited row by its hash, and reports the first break only', () => {
    const all = chain(4);
    const edited = { ...all[1]!, data: JSON.stringify({ i: 99 }) };
    const got = verifyChainSegment([all[0]!, edited, all[2]!, all[3]!], { seq: 0, hash: GENESIS_HASH });
    assert.deepEqual(got, {
      seq: 2,
      problem: 'hash_mismatch',
      expected: eventHash(edited),
      found: all[1]!.hash,
    });
  });
});

describe('public events', () => {
  it('parses data and renames the fields', () => {
    const [e] = chain(1);
    assert.deepEqual(toPublicEvent({ ...e!, tenant: 'acme' }), {
      seq: 1,
      ts: e!.ts,
      type: 'test.tick',
      subject_kind: 'test',
      subject_id: 's1',
      tenant: 'acme',
      actor: 'tester',
      data: { i: 1 },
      hash: e!.hash,
    });
  });
});

describe('event filters', () => {
  const [e] = chain(1).map((x) => ({ ...x, tenant: 'acme', ts: '2026-01-01T00:00:05.000Z' }));
  const ev = e!;

  it('matches everything when empty, and with an empty type list', () => {
    assert.equal(matchesFilter(ev, {}), true);
    assert.equal(matchesFilter(ev, { types: [] }), true);
  });

  it('matches on each field alone, and refuses on each', () => {
    const cases: [Parameters<typeof matchesFilter>[1], boolean][] = [
      [{ subjectKind: 'test' }, true],
      [{ subjectKind: 'cell' }, false],
      [{ subjectId: 's1' }, true],
      [{ subjectId: 's2' }, false],
      [{ types: ['a', 'test.tick'] }, true],
      [{ types: ['a', 'b'] }, false],
      [{ tenant: 'acme' }, true],
      [{ tenant: 'other' }, false],
      [{ actor: 'tester' }, true],
      [{ actor: 'root' }, false],
    ];
    for (const [f, want] of cases) assert.equal(matchesFilter(ev, f), want, JSON.stringify(f));
  });

  it('treats from and to as inclusive bounds on ts', () => {
    assert.equal(matchesFilter(ev, { from: '2026-01-01T00:00:05.000Z' }), true);
    assert.equal(matchesFilter(ev, { from: '2026-01-01T00:00:05.001Z' }), false);
    assert.equal(matchesFilter(ev, { to: '2026-01-01T00:00:05.000Z' }), true);
    assert.equal(matchesFilter(ev, { to: '2026-01-01T00:00:04.999Z' }), false);
    assert.equal(
      matchesFilter(ev, { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' }),
      true,
    );
  });

  it('needs every given field to match', () => {
    assert.equal(matchesFilter(ev, { subjectKind: 'test', types: ['test.tick'], tenant: 'acme' }), true);
    assert.equal(matchesFilter(ev, { subjectKind: 'test', types: ['test.tick'], tenant: 'x' }), false);
  });
});
