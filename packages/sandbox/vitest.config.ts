import { definePackageTestConfig } from '@mlc/vitest-config';

export default definePackageTestConfig({ integrationGlobalSetup: ['test/global-setup.ts'] });
