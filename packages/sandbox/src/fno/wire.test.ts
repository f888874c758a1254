import { describe, expect, it } from 'vitest';
import { parseInstant, toDateOnly, toUtcDateTime, weakEtag } from './wire';

describe('wire formatting', () => {
  it('puts AX dates at 12:00:00Z and UtcDateTimes at second precision', () => {
    expect(toDateOnly(new Date('2026-02-03T23:59:59.999Z'))).toBe('2026-02-03T12:00:00Z');
    expect(toUtcDateTime(new Date('2026-02-03T10:11:12.345Z'))).toBe('2026-02-03T10:11:12Z');
  });

  it('reads OData dates and DateTimeOffsets, and refuses a time without an offset', () => {
    expect(parseInstant('2026-02-03')?.toISOString()).toBe('2026-02-03T00:00:00.000Z');
    expect(parseInstant('2026-02-03T10:00:00+02:00')?.toISOString()).toBe('2026-02-03T08:00:00.000Z');
    expect(parseInstant('2026-02-03T10:00:00')).toBeUndefined();
    expect(parseInstant('03.02.2026')).toBeUndefined();
  });

  it('shapes weak ETags like the real ones', () => {
    expect(weakEtag(5637144576, 0)).toBe('W/"JzAsNTYzNzE0NDU3NjswLDA7MCwwOzAsMDswLDA7MCwwJw=="');
    expect(weakEtag(5637144576, 2)).not.toBe(weakEtag(5637144576, 1));
  });
});
