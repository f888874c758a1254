import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

const schema = z.object({
  SANDBOX_ENTRA_PORT: port(4401),
  SANDBOX_DATAVERSE_PORT: port(4402),
  SANDBOX_FNO_PORT: port(4403),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type SandboxEnv = z.infer<typeof schema>;

/** The sandbox CLI's environment; names every variable that is wrong, not just the first. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): SandboxEnv {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid sandbox environment:\n${problems.join('\n')}`);
  }
  return result.data;
}
