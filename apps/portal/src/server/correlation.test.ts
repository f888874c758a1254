import { describe, expect, it } from 'vitest';
import { correlationIdFrom } from './correlation';

describe('correlationIdFrom', () => {
  it('keeps a well-formed x-correlation-id', () => {
    expect(correlationIdFrom(new Headers({ 'x-correlation-id': 'req-42.a:b_c' }))).toBe('req-42.a:b_c');
  });

  it('generates one when the header is missing', () => {
    expect(correlationIdFrom(new Headers())).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces one that is unsafe to log or too long', () => {
    const injected = correlationIdFrom(new Headers({ 'x-correlation-id': 'a b"}{' }));
    expect(injected).not.toContain(' ');
    expect(correlationIdFrom(new Headers({ 'x-correlation-id': 'x'.repeat(129) }))).toHaveLength(36);
  });
});
