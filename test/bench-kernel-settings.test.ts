import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readKernelSettings } from '../bench/kernel-settings.js';

describe('run-kernel benchmark settings', () => {
  it('runs the engine and the peers at 1, the concurrency and 32 in flight by default', () => {
    assert.deepEqual(readKernelSettings({}, []).inFlight, [1, 8, 32]);
    assert.deepEqual(readKernelSettings({ BENCH_KERNEL_CONCURRENCY: '4' }, []).inFlight, [1, 4, 32]);
    assert.deepEqual(readKernelSettings({}, ['--concurrency=32']).inFlight, [1, 32]);
  });

  it('takes a list of numbers in flight, sorted and without repeats', () => {
    assert.deepEqual(readKernelSettings({ BENCH_KERNEL_IN_FLIGHT: '16, 2,16' }, []).inFlight, [2, 16]);
    assert.deepEqual(readKernelSettings({}, ['--in-flight=4']).inFlight, [4]);
  });

  it('refuses numbers in flight that are not whole numbers in [1, 64]', () => {
    for (const bad of ['0', '65', '1.5', 'eight', '1,,8'])
      assert.throws(
        () => readKernelSettings({ BENCH_KERNEL_IN_FLIGHT: bad }, []),
        /BENCH_KERNEL_IN_FLIGHT is a list of whole numbers in \[1, 64\]/,
        bad,
      );
  });

  it('knows the Restate group, and no unknown one', () => {
    assert.deepEqual(readKernelSettings({}, ['--only=restate,dbos']).only, ['restate', 'dbos']);
    assert.throws(() => readKernelSettings({}, ['--only=temporal']), /unknown group temporal/);
  });
});
