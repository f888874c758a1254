import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_MAX_HEAP_MB, workerNodeArgs } from './node-options';

describe('workerNodeArgs', () => {
  it('caps the heap at the default, or at WORKER_MAX_HEAP_MB when it is a sensible number', () => {
    expect(workerNodeArgs({})).toEqual([`--max-old-space-size=${DEFAULT_WORKER_MAX_HEAP_MB}`]);
    expect(workerNodeArgs({ WORKER_MAX_HEAP_MB: '512' })).toEqual(['--max-old-space-size=512']);
    expect(workerNodeArgs({ WORKER_MAX_HEAP_MB: '12' })).toEqual([
      `--max-old-space-size=${DEFAULT_WORKER_MAX_HEAP_MB}`,
    ]);
    expect(workerNodeArgs({ WORKER_MAX_HEAP_MB: '1g' })).toEqual([
      `--max-old-space-size=${DEFAULT_WORKER_MAX_HEAP_MB}`,
    ]);
  });
});
