import { defineConfig, type ViteUserConfig } from 'vitest/config';

export interface PackageTestOptions {
  /** Files run once before the integration project (e.g. the database template). */
  integrationGlobalSetup?: string[];
  /** Per-test timeout for integration tests, default 30 s. */
  integrationTimeoutMs?: number;
  /** Run the integration test files one at a time (each starts whole products: workers, sandbox). */
  serialIntegration?: boolean;
}

/**
 * The vitest config of every package: two projects.
 * - `unit`: `src/**\/*.test.ts` next to the code, no I/O beyond the process.
 * - `integration`: `test/**\/*.test.ts` and `src/**\/*.integration.test.ts`: real Postgres,
 *   real HTTPS, child processes.
 * No retries: a flaky test is a defect to fix, not to hide.
 */
export function definePackageTestConfig(options: PackageTestOptions = {}): ViteUserConfig {
  return defineConfig({
    test: {
      retry: 0,
      passWithNoTests: false,
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: ['src/**/*.test.ts'],
            exclude: ['src/**/*.integration.test.ts', '**/node_modules/**'],
          },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: ['test/**/*.test.ts', 'src/**/*.integration.test.ts'],
            exclude: ['**/node_modules/**'],
            globalSetup: options.integrationGlobalSetup ?? [],
            testTimeout: options.integrationTimeoutMs ?? 30_000,
            ...(options.serialIntegration ? { fileParallelism: false } : {}),
            hookTimeout: 120_000,
          },
        },
      ],
    },
  });
}
