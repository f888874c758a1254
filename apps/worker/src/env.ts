import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  WORKER_HEALTH_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  MLC_ENCRYPTION_KEY: z.string().min(1).optional(),
  MLC_ENCRYPTION_KEYS_PREVIOUS: z.string().optional(),
  /** Jobs run at once per job kind in this process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
});

export type WorkerEnv = z.infer<typeof schema>;

/** Parses the worker's environment once; names every variable that is wrong, not just the first. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid worker environment:\n${problems.join('\n')}`);
  }
  return result.data;
}
