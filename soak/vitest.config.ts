import { definePackageTestConfig } from '@mlc/vitest-config';

/** The fast subset of every soak scenario (`test/*.test.ts`), run by `npm test`. */
export default definePackageTestConfig({
  integrationGlobalSetup: ['@mlc/db/testing/global-setup'],
  integrationTimeoutMs: 180_000,
  // Each file starts a whole product (sandbox, intake, worker processes): one at a time keeps the
  // run inside the machine's PostgreSQL connection limit and its two cores.
  serialIntegration: true,
});
