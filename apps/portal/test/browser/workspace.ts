import { randomBytes } from 'node:crypto';
import type { BrowserContext, Locator } from 'playwright-core';

/**
 * A person of a workspace in the browser: the context carries their session cookie, so pages opened
 * in it are signed in, and `mutate` calls the portal's tRPC API as the pages do (same origin, JSON).
 */
export interface BrowserPerson {
  context: BrowserContext;
  email: string;
  mutate<T = Record<string, unknown>>(path: string, input: unknown): Promise<T>;
}

/**
 * Signs up through `/api/auth/sign-up/email` (which creates the workspace) inside `context`:
 * better-auth's `Set-Cookie` lands in the context's cookie jar.
 */
export async function signUpInBrowser(
  context: BrowserContext,
  baseUrl: string,
  values: { name: string; organisationName: string },
): Promise<BrowserPerson> {
  const email = `person-${randomBytes(4).toString('hex')}@example.com`;
  const headers = { origin: baseUrl, 'content-type': 'application/json' };
  const response = await context.request.post(`${baseUrl}/api/auth/sign-up/email`, {
    headers,
    data: { ...values, email, password: `correct horse ${randomBytes(6).toString('hex')}` },
  });
  if (!response.ok()) throw new Error(`sign-up: ${response.status()} ${await response.text()}`);
  return {
    context,
    email,
    async mutate<T>(procedure: string, input: unknown): Promise<T> {
      const answer = await context.request.post(`${baseUrl}/api/trpc/${procedure}`, { headers, data: input });
      const body = (await answer.json()) as { result?: { data?: T }; error?: unknown };
      if (!answer.ok() || body.result === undefined)
        throw new Error(`${procedure}: ${answer.status()} ${JSON.stringify(body.error ?? body)}`);
      return body.result.data as T;
    },
  };
}

/** A production-like connection of Microsoft hosts (nothing here calls them). */
export function connectionInput(name: string, host: string) {
  return {
    name,
    entraTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    salesUrl: `https://${host}.crm.dynamics.com`,
    salesClientId: '11111111-2222-3333-4444-555555555555',
    salesClientSecret: `sales-secret-${randomBytes(8).toString('hex')}`,
    fnoUrl: `https://${host}.operations.dynamics.com`,
    fnoClientId: '66666666-7777-8888-9999-000000000000',
    defaultLegalEntity: 'usmf',
  };
}

/** Waits until the (first) element is visible. */
export async function visible(locator: Locator, timeout = 15_000): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}
