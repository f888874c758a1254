import { describe, expect, it } from 'vitest';
import { isConnectionLoss } from './process-guard';

describe('isConnectionLoss', () => {
  it('recognises a terminated backend, a restart, too many clients and socket errors', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006', '08003', '53300', 'ECONNRESET', 'ECONNREFUSED'])
      expect(isConnectionLoss(Object.assign(new Error('x'), { code }))).toBe(true);
    expect(isConnectionLoss(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('does not excuse other errors', () => {
    expect(isConnectionLoss(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isConnectionLoss(new TypeError('undefined is not a function'))).toBe(false);
    expect(isConnectionLoss('text')).toBe(false);
  });
});
