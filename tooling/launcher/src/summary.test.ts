import { describe, expect, it } from 'vitest';
import { TestTally } from './summary';

describe('TestTally', () => {
  it('adds up vitest lines across packages, coloured or not, split across chunks', () => {
    const tally = new TestTally();
    tally.push(
      '@mlc/db:test: \u001b[2m      Tests \u001b[22m \u001b[1m\u001b[32m24 passed\u001b[39m\u001b[22m\u001b[90m (24)\u001b[39m\n',
    );
    tally.push('@mlc/portal:test:       Tests  2 failed | 20 passed | 1 skipped (23)\n@mlc/x:te');
    tally.push('st:       Tests  3 passed (3)');
    tally.end();
    expect(tally.summary()).toBe('tests: 47 passed, 2 failed, 1 skipped');
  });

  it('ignores lines that only mention tests', () => {
    const tally = new TestTally();
    tally.push('Test Files  6 passed (6)\nrunning tests for 3 packages\n');
    tally.end();
    expect(tally.summary()).toBe('tests: 0 passed, 0 failed, 0 skipped');
  });
});
