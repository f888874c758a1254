import { definePackageTestConfig } from '@mlc/vitest-config';

export default definePackageTestConfig({ integrationGlobalSetup: ['@mlc/db/testing/global-setup'] });
