import { definePackageTestConfig } from '@mlc/vitest-config';
import type { TestProjectInlineConfiguration } from 'vitest/config';

const config = definePackageTestConfig({ integrationGlobalSetup: ['@mlc/db/testing/global-setup'] });

// A third project: the browser test (test/browser), after `next build` (turbo.json of this package),
// against the built portal, the worker and the sandbox. Kept out of `integration`.
const projects = (config.test?.projects ?? []) as TestProjectInlineConfiguration[];
for (const project of projects) {
  if (project.test?.name === 'integration')
    project.test.exclude = [...(project.test.exclude ?? []), 'test/browser/**'];
}
projects.push({
  extends: true,
  test: {
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['@mlc/db/testing/global-setup'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});

export default config;
