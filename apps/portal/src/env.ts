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
});

export type PortalEnv = z.infer<typeof envSchema>;

/**
 * Parses the portal's environment, naming every bad variable at once. Messages never echo a
 * value: `DATABASE_URL` may carry a password.
 */
export function parseEnv(source: Record<string, string | undefined>): PortalEnv {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`invalid portal environment:\n${problems.join('\n')}`);
}

export const env: PortalEnv = parseEnv(process.env);
