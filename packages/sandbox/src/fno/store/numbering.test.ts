import { describe, expect, it } from 'vitest';
import { formatNumber, NumberSequenceExhaustedError, NumberSequences } from './numbering';

describe('number sequences', () => {
  const fresh = () =>
    new NumberSequences({
      usmf: {
        CustomerAccount: { code: 'USMF_CustAcc', format: 'US-#####', next: 61, manual: true },
        SalesOrderNumber: { code: 'USMF_SalesId', format: '##', next: 98, manual: false },
      },
    });

  it('formats AX number-sequence formats', () => {
    expect(formatNumber('US-#####', 61)).toBe('US-00061');
    expect(formatNumber('######', 1)).toBe('000001');
    expect(formatNumber('SO-###-X', 7)).toBe('SO-007-X');
  });

  it('hands out increasing numbers per legal entity and sequence', () => {
    const sequences = fresh();
    expect(sequences.next('usmf', 'CustomerAccount')).toBe('US-00061');
    expect(sequences.next('usmf', 'CustomerAccount')).toBe('US-00062');
    expect(sequences.next('usmf', 'SalesOrderNumber')).toBe('98');
    expect(sequences.allowsManual('usmf', 'CustomerAccount')).toBe(true);
    expect(sequences.allowsManual('usmf', 'SalesOrderNumber')).toBe(false);
    expect(() => sequences.next('demf', 'CustomerAccount')).toThrow(/no number sequence/);
  });

  it('skips past manual numbers in its own format and reports exhaustion', () => {
    const sequences = fresh();
    sequences.noteManual('usmf', 'CustomerAccount', 'US-00100');
    sequences.noteManual('usmf', 'CustomerAccount', 'ACC-12345');
    expect(sequences.next('usmf', 'CustomerAccount')).toBe('US-00101');
    expect(sequences.next('usmf', 'SalesOrderNumber')).toBe('98');
    expect(sequences.next('usmf', 'SalesOrderNumber')).toBe('99');
    expect(() => sequences.next('usmf', 'SalesOrderNumber')).toThrow(NumberSequenceExhaustedError);
  });

  it('snapshots a copy for persistence', () => {
    const sequences = fresh();
    const snapshot = sequences.snapshot();
    sequences.next('usmf', 'CustomerAccount');
    expect(snapshot['usmf']?.CustomerAccount?.next).toBe(61);
  });
});
