import { describe, expect, it } from 'vitest';
import { compareRowVersions, parseRowVersion, rowVersionFromEtag } from './row-version';

describe('row versions', () => {
  it('reads versionnumber values exactly, or not at all', () => {
    expect(parseRowVersion(1203)).toBe('1203');
    expect(parseRowVersion('0001203')).toBe('1203');
    expect(parseRowVersion('18446744073709551615')).toBe('18446744073709551615');
    expect(parseRowVersion(12n)).toBe('12');
    for (const bad of [2 ** 60, -1, 1.5, '', '12a', '-3', '18446744073709551616', null, undefined, {}]) {
      expect(parseRowVersion(bad), String(bad)).toBeUndefined();
    }
  });

  it('reads the version of a weak etag', () => {
    expect(rowVersionFromEtag('W/"9007199254740993"')).toBe('9007199254740993');
    expect(rowVersionFromEtag('"12"')).toBeUndefined();
    expect(rowVersionFromEtag(null)).toBeUndefined();
  });

  it('compares numerically, beyond 2^53 too', () => {
    expect(compareRowVersions('9', '10')).toBeLessThan(0);
    expect(compareRowVersions('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
    expect(compareRowVersions('42', '42')).toBe(0);
  });
});
