import { schema } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { describe, expect } from 'vitest';
import { callerFor, cookieOf, signUp, startTestPortal } from './harness';

describe('sign-up and sessions', () => {
  dbTest(
    'sign-up creates the user, a workspace named after the organisation, and the owner membership',
    async ({ database }) => {
      const portal = startTestPortal(database);
      try {
        const alice = await signUp(portal, { organisationName: 'Kestrel Foods', name: 'Alice' });
        const me = await callerFor(portal, alice).me();
        expect(me.user).toEqual({ id: alice.userId, email: alice.email, name: 'Alice' });
        expect(me.workspace).toMatchObject({ name: 'Kestrel Foods', role: 'owner' });
      } finally {
        await portal.close();
      }
    },
  );
});

const signInRequest = (email: string, password: string, ip: string) =>
  new Request('http://localhost:3000/api/auth/sign-in/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', 'x-forwarded-for': ip },
    body: JSON.stringify({ email, password }),
  });

describe('sign-in', () => {
  dbTest('sets an httpOnly, SameSite=Lax session cookie that opens the API', async ({ database }) => {
    const portal = startTestPortal(database);
    try {
      const alice = await signUp(portal);
      const response = await portal.services.auth.handler(
        signInRequest(alice.email, alice.password, '203.0.113.7'),
      );
      expect(response.status).toBe(200);
      const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('mlc.session_token='));
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      expect(setCookie).not.toMatch(/Secure/i);
      const me = await callerFor(portal, { cookie: cookieOf(response.headers) }).me();
      expect(me.user.email).toBe(alice.email);
    } finally {
      await portal.close();
    }
  });

  dbTest('marks the cookie Secure when the portal is served over https', async ({ database }) => {
    const portal = startTestPortal(database, { publicUrl: 'https://portal.example.com' });
    try {
      const { headers } = await portal.services.auth.api.signUpEmail({
        body: {
          email: 'secure@example.com',
          password: 'a long enough password',
          name: 'S',
          organisationName: 'Secure Org',
        } as { email: string; password: string; name: string },
        returnHeaders: true,
      });
      const setCookie = headers.getSetCookie().find((line) => line.includes('session_token='));
      expect(setCookie).toMatch(/^__Secure-mlc\.session_token=/);
      expect(setCookie).toMatch(/; Secure/i);
      expect(setCookie).toMatch(/HttpOnly/i);
    } finally {
      await portal.close();
    }
  });

  dbTest('is rate-limited per client IP, with counters kept in the database', async ({ database }) => {
    const portal = startTestPortal(database, { signInPerMinute: 3 });
    try {
      const alice = await signUp(portal);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const response = await portal.services.auth.handler(
          signInRequest(alice.email, 'wrong password!', '198.51.100.9'),
        );
        statuses.push(response.status);
      }
      expect(statuses.slice(0, 3).every((status) => status === 401)).toBe(true);
      expect(statuses[3]).toBe(429);
      // Even the right password waits; another client is not affected.
      expect(
        (await portal.services.auth.handler(signInRequest(alice.email, alice.password, '198.51.100.9')))
          .status,
      ).toBe(429);
      expect(
        (await portal.services.auth.handler(signInRequest(alice.email, alice.password, '198.51.100.10')))
          .status,
      ).toBe(200);
      const rows = await portal.services.db.db.select().from(schema.authRateLimits);
      expect(rows.some((row) => row.key.includes('198.51.100.9'))).toBe(true);
    } finally {
      await portal.close();
    }
  });
});

describe('sign-up', () => {
  dbTest('requires the organisation name and creates nothing without it', async ({ database }) => {
    const portal = startTestPortal(database);
    try {
      await expect(
        portal.services.auth.api.signUpEmail({
          body: { email: 'no-org@example.com', password: 'a long enough password', name: 'N' },
        }),
      ).rejects.toMatchObject({ body: expect.objectContaining({ message: 'organisationName is required' }) });
      expect(await portal.services.db.db.select().from(schema.users)).toEqual([]);
    } finally {
      await portal.close();
    }
  });

  dbTest('removes the user again when the workspace cannot be created', async ({ database }) => {
    const portal = startTestPortal(database);
    try {
      // The database refuses every new membership: the workspace step fails after the user exists.
      await database.pool.query(
        `alter table workspace_members add constraint test_refuse_members check (false) not valid`,
      );
      await expect(signUp(portal, { email: 'half@example.com' })).rejects.toBeTruthy();
      expect(await portal.services.db.db.select().from(schema.users)).toEqual([]);
      expect(await portal.services.db.db.select().from(schema.authAccounts)).toEqual([]);
      expect(await portal.services.db.db.select().from(schema.workspaces)).toEqual([]);
      await database.pool.query('alter table workspace_members drop constraint test_refuse_members');
      const again = await signUp(portal, { email: 'half@example.com' });
      expect((await callerFor(portal, again).me()).workspace.role).toBe('owner');
    } finally {
      await portal.close();
    }
  });
});
