import { createLogger } from '@mlc/logger';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTRPCContext, createTRPCRouter, publicProcedure } from './trpc';

const logger = createLogger({ name: 'portal-test', level: 'silent' });

const testRouter = createTRPCRouter({
  echo: publicProcedure
    .input(z.object({ name: z.string().min(1), count: z.number().int() }))
    .query(({ input, ctx }) => ({ ...input, correlationId: ctx.correlationId })),
});

function call(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const request = new Request(`http://portal.test/api/trpc/${url}`, { headers });
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: testRouter,
    createContext: () =>
      createTRPCContext({
        headers: request.headers,
        getDb: () => Promise.reject(new Error('no database in unit tests')),
        logger,
      }),
  });
}

const input = (value: unknown) => `?input=${encodeURIComponent(JSON.stringify(value))}`;

describe('tRPC set-up', () => {
  it('passes the caller correlation id to procedures', async () => {
    const response = await call(`echo${input({ name: 'a', count: 1 })}`, { 'x-correlation-id': 'abc-123' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: unknown } };
    expect(body.result.data).toEqual({ name: 'a', count: 1, correlationId: 'abc-123' });
  });

  it('flattens input validation errors into data.zodError', async () => {
    const response = await call(`echo${input({ name: '', count: 1.5 })}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { data: { code: string; zodError: { fieldErrors: Record<string, string[]> } } };
    };
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(Object.keys(body.error.data.zodError.fieldErrors).sort()).toEqual(['count', 'name']);
  });
});
