import { definePackageTestConfig } from '@mlc/vitest-config';

/** The fast subset of every soak scenario (`test/*.test.ts`), run by `npm test`. */
export default definePackageTestConfig({
  integrationGlobalSetup: ['@mlc/db/testing/global-setup'],
  integrationTimeoutMs: 180_000,
});
