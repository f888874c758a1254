import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../server/api/root';

/**
 * The browser's tRPC client (vanilla; the pages wrap its calls in TanStack Query). Same origin, so
 * better-auth's session cookie goes with every request.
 */
export const api = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: '/api/trpc', maxURLLength: 2000 })],
});

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

export type ConnectionListItem = RouterOutputs['connections']['list'][number];
export type ConnectionDetail = RouterOutputs['connections']['get'];
export type SandboxDefaults = NonNullable<RouterOutputs['connections']['sandboxDefaults']>;
export type PingResult = RouterOutputs['connections']['ping'];
export type EnableResult = RouterOutputs['connections']['enable'];
export type Figures = RouterOutputs['connections']['figures'];
export type Progress = RouterOutputs['connections']['progress'][number];
export type RecordsPage = RouterOutputs['records']['list'];
export type RecordListItem = RecordsPage['items'][number];
export type RecordDetail = RouterOutputs['records']['get'];
export type RecordEvent = RecordDetail['events'][number];
export type RecordsListInput = RouterInputs['records']['list'];
export type SettingsInput = RouterInputs['connections']['updateSettings']['settings'];

/** Query keys, one place: invalidations match what the queries use. */
export const keys = {
  me: ['me'] as const,
  connections: ['connections'] as const,
  connection: (id: string) => ['connections', id] as const,
  sandboxDefaults: ['connections', 'sandboxDefaults'] as const,
  figures: (id: string, windowMinutes: number) => ['connections', id, 'figures', windowMinutes] as const,
  progress: (id: string) => ['connections', id, 'progress'] as const,
  records: (connectionId: string) => ['records', connectionId] as const,
  record: (id: string) => ['record', id] as const,
};

export function isTRPCError(error: unknown): error is TRPCClientError<AppRouter> {
  return error instanceof TRPCClientError;
}

/** The tRPC error code (`UNAUTHORIZED`, `NOT_FOUND`, …) of a failed call, if it is one. */
export function errorCode(error: unknown): string | undefined {
  if (!isTRPCError(error)) return undefined;
  const data = error.data as { code?: unknown } | undefined;
  return typeof data?.code === 'string' ? data.code : undefined;
}

/** Field errors of a rejected input (the server's flattened zod error), by field name. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!isTRPCError(error)) return {};
  const data = error.data as { zodError?: { fieldErrors?: Record<string, string[] | undefined> } | null };
  const out: Record<string, string> = {};
  for (const [field, messages] of Object.entries(data?.zodError?.fieldErrors ?? {})) {
    if (messages?.[0]) out[field] = messages[0];
  }
  return out;
}
