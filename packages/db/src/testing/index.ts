// Test-only helpers: never imported by runtime code.
export { createEmptyDatabase, type DbFixtures, dbTest } from './db-test';
export { createScratchDatabase, prepareTemplate, type ScratchDatabase, withDatabase } from './template';
