import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, isEchoOf } from './hash';

describe('contentHash', () => {
  it('is the SHA-256 of the canonical JSON', () => {
    expect(contentHash({})).toBe(createHash('sha256').update('{}').digest('hex'));
    expect(canonicalJson({ b: [2, 1], a: { d: null, c: 'x' } })).toBe('{"a":{"c":"x","d":null},"b":[2,1]}');
  });

  it('does not depend on key order, at any depth', () => {
    const a = {
      header: { CurrencyCode: 'USD', dataAreaId: 'usmf' },
      lines: [{ ItemNumber: 'IE-1', LineNumber: 1 }],
    };
    const b = {
      lines: [{ LineNumber: 1, ItemNumber: 'IE-1' }],
      header: { dataAreaId: 'usmf', CurrencyCode: 'USD' },
    };
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it('changes with any value, with array order, and with null versus absent', () => {
    const base = contentHash({ name: 'Pump', lines: [1, 2] });
    expect(contentHash({ name: 'Pump ', lines: [1, 2] })).not.toBe(base);
    expect(contentHash({ name: 'Pump', lines: [2, 1] })).not.toBe(base);
    expect(contentHash({ name: 'Pump', lines: [1, 2], description: null })).not.toBe(base);
    expect(contentHash({ name: 'Pump', lines: [1, 2], description: undefined })).toBe(base);
    expect(contentHash({ amount: 1 })).not.toBe(contentHash({ amount: '1' }));
    expect(contentHash({ amount: -0 })).toBe(contentHash({ amount: 0 }));
  });

  it('refuses values that are not JSON', () => {
    expect(() => contentHash({ amount: Number.NaN })).toThrow(/\$\.amount is NaN/);
    expect(() => contentHash({ at: new Date(0) })).toThrow(TypeError);
    expect(() => contentHash({ n: 1n })).toThrow(TypeError);
  });
});

describe('isEchoOf', () => {
  const us = '4f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f';

  it('is an echo when our application user made the change (GUIDs compared without case or braces)', () => {
    expect(isEchoOf({ modifiedBy: `{${us.toUpperCase()}}` }, us)).toBe(true);
  });

  it('is an echo when the record is what we last wrote', () => {
    expect(isEchoOf({ modifiedBy: 'someone-else', hash: 'abc', lastWrittenHash: 'abc' }, us)).toBe(true);
  });

  it('is not an echo when someone else changed it to something we did not write', () => {
    expect(
      isEchoOf(
        { modifiedBy: '11111111-2222-4333-8444-555555555555', hash: 'abc', lastWrittenHash: 'def' },
        us,
      ),
    ).toBe(false);
  });

  it('is not an echo when nothing is known (no user, no hashes)', () => {
    expect(isEchoOf({}, us)).toBe(false);
    expect(isEchoOf({ modifiedBy: null, hash: null, lastWrittenHash: null }, us)).toBe(false);
    expect(isEchoOf({ modifiedBy: '' }, '')).toBe(false);
  });
});
