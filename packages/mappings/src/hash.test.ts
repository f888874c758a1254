import { createHash } from 'node:crypto';
import fc from 'fast-check';
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

/** The first implementation (path strings built eagerly): the canonical form must not change. */
function reference(value: unknown, at = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`contentHash: ${at} is ${value}, not a JSON number`);
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((item, i) => (item === undefined ? 'null' : reference(item, `${at}[${i}]`))).join(',')}]`;
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null)
        throw new TypeError(`contentHash: ${at} is a ${prototype?.constructor?.name ?? 'non-plain object'}`);
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${reference(entry, `${at}.${key}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`contentHash: ${at} is a ${typeof value}, not a JSON value`);
  }
}

describe('canonicalJson', () => {
  it('writes exactly what the first implementation wrote (stored hashes stay valid)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.anything(), (json, anything) => {
        expect(canonicalJson(json)).toBe(reference(json));
        let expected: string | Error;
        try {
          expected = reference(anything);
        } catch (error) {
          expected = error as Error;
        }
        if (typeof expected === 'string') expect(canonicalJson(anything)).toBe(expected);
        else expect(() => canonicalJson(anything)).toThrow(expected.message);
      }),
      { numRuns: 2000 },
    );
  });

  it('names the deepest value that is not JSON', () => {
    expect(() => canonicalJson({ lines: [{ qty: 1 }, { qty: Number.POSITIVE_INFINITY }] })).toThrow(
      'contentHash: $.lines[1].qty is Infinity, not a JSON number',
    );
    expect(() => canonicalJson([new Map()])).toThrow('contentHash: $[0] is a Map');
  });
});
