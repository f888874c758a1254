import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseSource } from './parse';

const order = z.object({
  ordernumber: z.string().min(1),
  lines: z.array(z.object({ productnumber: z.string(), quantity: z.number().positive() })),
});

describe('parseSource', () => {
  it('returns the parsed record', () => {
    const result = parseSource(order, { ordernumber: 'ORD-1', lines: [] }, 'CRM order');
    expect(result).toEqual({ ok: true, value: { ordernumber: 'ORD-1', lines: [] } });
  });

  it('names every bad field and points at the first', () => {
    const result = parseSource(
      order,
      {
        ordernumber: '',
        lines: [
          { productnumber: 'SP-1', quantity: 1 },
          { productnumber: 'SP-2', quantity: '2' },
        ],
      },
      'CRM order ORD-7',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid_source');
    expect(result.error.message).toMatch(
      /^CRM order ORD-7 is not valid: ordernumber: .*; lines\.1\.quantity: /,
    );
    expect(result.error.path).toEqual(['ordernumber']);
  });
});
