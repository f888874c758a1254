import { describe, expect, it } from 'vitest';
import { formatCadence, formatDuration, formatRelative, redactSecrets } from './format';

describe('formatting', () => {
  it('says how long ago in words', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('2026-01-01T11:59:58Z', now)).toBe('just now');
    expect(formatRelative('2026-01-01T11:59:30Z', now)).toBe('30 s ago');
    expect(formatRelative('2026-01-01T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
  });

  it('formats durations and cadences', () => {
    expect(formatDuration(12)).toBe('12 ms');
    expect(formatDuration(3200)).toBe('3.20 s');
    expect(formatDuration(null)).toBe('—');
    expect(formatCadence(10)).toBe('every 10 s');
    expect(formatCadence(300)).toBe('every 5 min');
    expect(formatCadence(7200)).toBe('every 2 h');
  });

  it('masks secret-looking values before anything is printed', () => {
    expect(
      redactSecrets({
        clientId: 'abc',
        clientSecret: 's3cr3t',
        nested: [{ access_token: 'eyJ', amount: 3 }],
      }),
    ).toEqual({
      clientId: 'abc',
      clientSecret: '•••• (hidden)',
      nested: [{ access_token: '•••• (hidden)', amount: 3 }],
    });
  });
});
