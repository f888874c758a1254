import { definePackageTestConfig } from '@mlc/vitest-config';

export default definePackageTestConfig({ integrationGlobalSetup: ['./src/testing/global-setup.ts'] });
