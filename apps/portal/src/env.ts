import { z } from 'zod';

/** An unset variable and an empty one (`DATABASE_URL=` in a shell) mean the same thing. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** PostgreSQL to use; the embedded one under `<project>/.data/postgres` when unset. */
  DATABASE_URL: optional(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Signs session cookies (better-auth); at least 32 characters. Generated into `.data/` in development. */
  BETTER_AUTH_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
  /** Where people and Microsoft reach the portal: cookies, webhook and business-event URLs. */
  PUBLIC_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' })).transform(
    (value) => (value ?? 'http://localhost:3000').replace(/\/+$/, ''),
  ),
  /** Vault key (32 bytes, base64) that seals the connections' secrets, as for the worker. */
  MLC_ENCRYPTION_KEY: optional(z.string().min(1)),
  MLC_ENCRYPTION_KEYS_PREVIOUS: optional(z.string()),
  /** Offer the local sandbox (`.sandbox/sandbox.json`) in the onboarding; default on outside production. */
  SANDBOX_MODE: optional(z.enum(['true', 'false', '1', '0', 'on', 'off'])).transform((value) =>
    value === undefined ? undefined : ['true', '1', 'on'].includes(value),
  ),
  /** Where the sandbox writes `sandbox.json`; default `<repo>/.sandbox`. */
  SANDBOX_STATE_DIR: optional(z.string().min(1)),
});

export type PortalEnv = z.infer<typeof envSchema>;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A deployment: `NODE_ENV=production` and a `PUBLIC_URL` other than this machine. `npm start` runs
 * the production build on http://localhost:3000 and is a local run (development keys in `.data/`,
 * the sandbox on), like the worker it starts.
 */
export function isDeployed(value: Pick<PortalEnv, 'NODE_ENV' | 'PUBLIC_URL'>): boolean {
  return value.NODE_ENV === 'production' && !LOCAL_HOSTS.has(new URL(value.PUBLIC_URL).hostname);
}

/** A deployment refuses to start without the secrets that a local run generates. */
function checkProduction(value: PortalEnv): string[] {
  if (!isDeployed(value)) return [];
  const problems: string[] = [];
  if (!value.BETTER_AUTH_SECRET) problems.push('  BETTER_AUTH_SECRET: required in production');
  if (!value.MLC_ENCRYPTION_KEY) problems.push('  MLC_ENCRYPTION_KEY: required in production');
  return problems;
}

/**
 * Parses the portal's environment, naming every bad variable at once. Messages never echo a
 * value: `DATABASE_URL` may carry a password.
 */
export function parseEnv(source: Record<string, string | undefined>): PortalEnv {
  const result = envSchema.safeParse(source);
  const problems = result.success
    ? checkProduction(result.data)
    : result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  if (result.success && problems.length === 0) return result.data;
  throw new Error(`invalid portal environment:\n${problems.join('\n')}`);
}

export const env: PortalEnv = parseEnv(process.env);
