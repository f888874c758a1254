import { describe, expect, it } from 'vitest';
import { checkMutationRequest } from './csrf';

const PUBLIC = 'https://portal.example.com';
const post = (headers: Record<string, string>) =>
  new Request('http://internal:3000/api/trpc/connections.create', { method: 'POST', headers, body: '{}' });

describe('checkMutationRequest', () => {
  it('lets queries through', () => {
    expect(checkMutationRequest(new Request('http://internal:3000/api/trpc/me'), PUBLIC)).toBeNull();
  });

  it('accepts a JSON POST from the portal’s own origin', () => {
    expect(
      checkMutationRequest(post({ 'content-type': 'application/json', origin: PUBLIC }), PUBLIC),
    ).toBeNull();
    expect(
      checkMutationRequest(
        post({ 'content-type': 'application/json', origin: 'http://localhost:3000', host: 'localhost:3000' }),
        PUBLIC,
      ),
    ).toBeNull();
  });

  it('refuses other content types (what a cross-site form can send)', () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ]) {
      expect(checkMutationRequest(post({ 'content-type': type, origin: PUBLIC }), PUBLIC)?.status).toBe(415);
    }
  });

  it('refuses a foreign, null or missing Origin', () => {
    for (const origin of ['https://evil.example.com', 'null', 'https://portal.example.com.evil.com']) {
      expect(
        checkMutationRequest(
          post({ 'content-type': 'application/json', origin, host: 'portal.example.com' }),
          PUBLIC,
        )?.status,
      ).toBe(403);
    }
    expect(checkMutationRequest(post({ 'content-type': 'application/json' }), PUBLIC)?.status).toBe(403);
  });
});
