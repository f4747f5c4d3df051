import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellIdOf, revisionIdOf } from '../../src/domain/cells/cell-model.js';
import {
  DEFAULT_SANDBOX_LIMITS,
  LIMIT_KEYS,
  LIMIT_REASONS,
  readLimits,
  type SandboxLimits,
} from '../../src/domain/cells/sandbox-limits.js';
import { compareSemver, parseSemver } from '../../src/domain/cells/semver.js';

describe('parseSemver', () => {
  it('reads the three numbers and the pre-release identifiers, ignoring build metadata', () => {
    assert.deepEqual(parseSemver('1.2.3'), { major: 1, minor: 2, patch: 3, prerelease: [] });
    assert.deepEqual(parseSemver('10.20.30-rc.1+build.5'), {
      major: 10,
      minor: 20,
      patch: 30,
      prerelease: ['rc', '1'],
    });
    assert.deepEqual(parseSemver('0.0.0-alpha-1.0x'), {
      major: 0,
      minor: 0,
      patch: 0,
      prerelease: ['alpha-1', '0x'],
    });
  });

  it('refuses what is not SemVer 2.0.0', () => {
    for (const v of [
      '1.2',
      '1.2.3.4',
      'v1.2.3',
      '01.2.3',
      '1.02.3',
      '1.2.03',
      '1.2.3-',
      '1.2.3-01',
      '1.2.3+',
      ' 1.2.3',
      '1.2.3 ',
      'x1.2.3',
      '1.2.3-a..b',
      '',
    ])
      assert.equal(parseSemver(v), null, v);
  });
});

describe('compareSemver', () => {
  const ordered = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.1.0',
    '1.10.0',
    '2.0.0',
    '10.0.0',
  ];

  it('orders by precedence as SemVer 2.0.0 §11 does', () => {
    for (let i = 0; i < ordered.length; i += 1)
      for (let j = 0; j < ordered.length; j += 1) {
        const c = compareSemver(ordered[i]!, ordered[j]!);
        const want = Math.sign(i - j);
        assert.equal(Math.sign(c), want, `${ordered[i]} vs ${ordered[j]}: ${c}`);
      }
  });

  it('ignores build metadata, and equal versions compare 0', () => {
    assert.equal(compareSemver('1.2.3+a', '1.2.3+b'), 0);
    assert.equal(compareSemver('1.2.3-rc.1', '1.2.3-rc.1'), 0);
  });

  it('numeric identifiers compare by value, and sort before alphanumeric ones', () => {
    assert.ok(compareSemver('1.0.0-2', '1.0.0-10') < 0, "compareSemver('1.0.0-2', '1.0.0-10') < 0");
    assert.ok(compareSemver('1.0.0-10', '1.0.0-2') > 0, "compareSemver('1.0.0-10', '1.0.0-2') > 0");
    assert.ok(compareSemver('1.0.0-1', '1.0.0-a') < 0, "compareSemver('1.0.0-1', '1.0.0-a') < 0");
    assert.ok(compareSemver('1.0.0-a', '1.0.0-1') > 0, "compareSemver('1.0.0-a', '1.0.0-1') > 0");
    assert.ok(compareSemver('1.0.0-b', '1.0.0-a') > 0, "compareSemver('1.0.0-b', '1.0.0-a') > 0");
  });

  it('an identifier is numeric only when it is digits alone', () => {
    assert.ok(compareSemver('1.0.0-1a', '1.0.0-2') > 0, 'alphanumeric 1a after numeric 2');
    assert.ok(compareSemver('1.0.0-a1', '1.0.0-2') > 0, 'alphanumeric a1 after numeric 2');
    assert.ok(compareSemver('1.0.0-2', '1.0.0-1a') < 0, 'numeric 2 before alphanumeric 1a');
    assert.ok(compareSemver('1.0.0-2', '1.0.0-a1') < 0, 'numeric 2 before alphanumeric a1');
    assert.ok(
      compareSemver('1.0.0-1', '1.0.0--a') < 0,
      'numeric before alphanumeric, even one that sorts first as text',
    );
    assert.ok(compareSemver('1.0.0--a', '1.0.0-1') > 0, 'alphanumeric -a after numeric 1');
  });

  it('equal identifiers go on to the next one', () => {
    assert.ok(compareSemver('1.0.0-1.a', '1.0.0-1.b') < 0, '1.a before 1.b');
    assert.ok(compareSemver('1.0.0-1.b', '1.0.0-1.a') > 0, '1.b after 1.a');
    assert.ok(compareSemver('1.0.0-rc.1', '1.0.0-rc.2') < 0, 'rc.1 before rc.2');
  });

  it('falls back to text order when either side is not SemVer', () => {
    assert.equal(compareSemver('latest', 'latest'), 0);
    assert.ok(compareSemver('abc', '1.0.0') > 0, "compareSemver('abc', '1.0.0') > 0");
    assert.ok(compareSemver('1.0.0', 'abc') < 0, "compareSemver('1.0.0', 'abc') < 0");
    assert.ok(compareSemver('v2', 'v10') > 0, 'text order, not numeric');
  });
});

describe('readLimits', () => {
  const maxima: SandboxLimits = { cpuMs: 1000, memoryMib: 64, stackKib: 1024, outputKib: 4096 };

  it('without limits, a call gets the defaults, each capped by its maximum', () => {
    assert.deepEqual(readLimits({}, maxima), { ok: true, limits: DEFAULT_SANDBOX_LIMITS });
    assert.deepEqual(readLimits({}, { cpuMs: 10, memoryMib: 8, stackKib: 100, outputKib: 500 }), {
      ok: true,
      limits: { cpuMs: 10, memoryMib: 8, stackKib: 100, outputKib: 500 },
    });
  });

  it('takes each limit the template asks for, up to and including its maximum', () => {
    assert.deepEqual(readLimits({ limits: { cpu_ms: 1000, memory_mib: 1, output_kib: 2 } }, maxima), {
      ok: true,
      limits: { cpuMs: 1000, memoryMib: 1, stackKib: 256, outputKib: 2 },
    });
    assert.deepEqual(readLimits({ limits: { stack_kib: 512 } }, maxima), {
      ok: true,
      limits: { ...DEFAULT_SANDBOX_LIMITS, stackKib: 512 },
    });
  });

  it('a limit above its maximum is a problem of its own kind', () => {
    assert.deepEqual(readLimits({ limits: { cpu_ms: 1001 } }, maxima), {
      ok: false,
      problems: [
        { kind: 'above_maximum', message: '$.metadata.limits.cpu_ms: 1001 is above the maximum 1000' },
      ],
    });
  });

  it('refuses limits that are not an object, unknown keys and values that are not whole numbers ≥ 1', () => {
    for (const limits of [null, 5, 'x', [1]])
      assert.deepEqual(readLimits({ limits }, maxima), {
        ok: false,
        problems: [{ kind: 'invalid', message: '$.metadata.limits: must be an object' }],
      });
    const r = readLimits(
      { limits: { cpu: 5, memory_mib: 0, stack_kib: 1.5, output_kib: '8', toString: 1 } },
      maxima,
    );
    assert.deepEqual(r, {
      ok: false,
      problems: [
        {
          kind: 'invalid',
          message: '$.metadata.limits.cpu: unknown limit (known: cpu_ms, memory_mib, stack_kib, output_kib)',
        },
        { kind: 'invalid', message: '$.metadata.limits.memory_mib: must be a whole number ≥ 1' },
        { kind: 'invalid', message: '$.metadata.limits.stack_kib: must be a whole number ≥ 1' },
        { kind: 'invalid', message: '$.metadata.limits.output_kib: must be a whole number ≥ 1' },
        {
          kind: 'invalid',
          message:
            '$.metadata.limits.toString: unknown limit (known: cpu_ms, memory_mib, stack_kib, output_kib)',
        },
      ],
    });
    assert.equal(readLimits({ limits: { cpu_ms: -3 } }, maxima).ok, false);
  });

  it('names its limit keys and the reasons a call stops at one', () => {
    assert.deepEqual(LIMIT_KEYS, {
      cpu_ms: 'cpuMs',
      memory_mib: 'memoryMib',
      stack_kib: 'stackKib',
      output_kib: 'outputKib',
    });
    assert.deepEqual([...LIMIT_REASONS], ['timeout', 'memory_limit', 'stack_limit', 'output_too_large']);
  });
});

describe('cell ids', () => {
  it('a cell is named by backend and template, a revision by cell and version', () => {
    assert.equal(cellIdOf('script', 'echo'), 'script:echo');
    assert.equal(revisionIdOf('script:echo', '1.0.0'), 'script:echo@1.0.0');
  });
});
