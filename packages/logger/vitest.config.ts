import { definePackageTestConfig } from '@mlc/vitest-config';

export default definePackageTestConfig();
