import { describe, expect, it } from 'vitest';
import { type CrmOrder, compareOrders, type Line } from './compare';

const line = (item: string, quantity: number, cents: number): Line => ({ item, quantity, cents });
const crm = (orderNumber: string, lines: Line[]): CrmOrder => ({ id: orderNumber, orderNumber, lines });

describe('compareOrders', () => {
  const a = crm('ORD-1', [line('IE-1', 1, 1000), line('IE-2', 2, 500)]);
  const b = crm('ORD-2', [line('IE-3', 3, 300)]);
  const c = crm('ORD-3', [line('IE-1', 1, 1000)]);

  it('finds every order once with equal lines and totals', () => {
    const fno = new Map([
      ['ORD-1', [{ number: 'usmf/1', lines: [line('ie-2', 2, 500), line('IE-1', 1, 1000)] }]],
      ['ORD-2', [{ number: 'usmf/2', lines: [line('IE-3', 3, 300)] }]],
      ['ORD-3', [{ number: 'usmf/3', lines: [line('IE-1', 1, 1000)] }]],
    ]);
    expect(compareOrders([a, b, c], fno)).toMatchObject({
      expected: 3,
      lines: 4,
      found: 3,
      duplicated: 0,
      missing: 0,
      linesMissing: 0,
      linesExtra: 0,
      totalsUnequal: 0,
    });
  });

  it('counts duplicated, missing, incomplete and changed orders', () => {
    const fno = new Map([
      [
        'ORD-1',
        [
          { number: 'usmf/1', lines: [line('IE-1', 1, 1000)] },
          { number: 'usmf/4', lines: [line('IE-1', 1, 1000), line('IE-2', 2, 500)] },
        ],
      ],
      ['ORD-2', [{ number: 'usmf/2', lines: [line('IE-3', 4, 400)] }]],
    ]);
    const result = compareOrders([a, b, c], fno);
    expect(result).toMatchObject({
      found: 2,
      duplicated: 1,
      missing: 1,
      linesMissing: 2,
      linesExtra: 1,
      totalsUnequal: 2,
    });
    expect(result.examples['missing']).toEqual(['ORD-3']);
    expect(result.examples['duplicated']).toEqual(['ORD-1 → usmf/1, usmf/4']);
  });
});
