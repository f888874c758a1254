import { defineConfig } from 'vitest/config';

/**
 * Three projects, run in this order (`sequence.groupOrder`):
 * 1. `unit`: the path templates of the coverage gate.
 * 2. `consumer`: the consumer tests, which drive the connectors against Pact mock servers and write
 *    the pact files into `pacts/` (one file at a time: several tests add interactions to the same
 *    pact file), and the message consumer tests.
 * 3. `provider`: the pacts verified against the running sandbox, the altered-pact checks, and the
 *    coverage gate over what the connectors' integration tests sent.
 */
export default defineConfig({
  test: {
    retry: 0,
    passWithNoTests: false,
    env: { PACT_DO_NOT_TRACK: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'consumer',
          include: ['test/consumer/**/*.test.ts'],
          globalSetup: ['./test/support/clean-pacts.ts'],
          // One retry: twice in about ten full runs (2026-11-26), under load, a consumer test's
          // last request never reached the Pact mock server (the one before it had; "expected but
          // not received"), and did not happen again when that file ran alone. Cause not found; a
          // test failing twice in a row still fails the run.
          retry: 1,
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'provider',
          include: ['test/provider/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
