import { inject, test } from 'vitest';
import { createDbClient, type DbClient } from '../client';
import { createScratchDatabase, type ScratchDatabase } from './template';
import './provided';

export interface DbFixtures {
  /** A freshly cloned, fully migrated database of its own, dropped after the test. */
  database: ScratchDatabase & DbClient;
}

/** `dbTest('...', async ({ database }) => ...)`: every test gets its own migrated database. */
export const dbTest = test.extend<DbFixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  database: async ({}, use) => {
    const scratch = await createScratchDatabase(inject('mlcAdminUrl'), inject('mlcTemplate'));
    const client = createDbClient(scratch.url, { max: 4 });
    try {
      await use({ ...scratch, ...client });
    } finally {
      await client.close();
      await scratch.drop();
    }
  },
});

/** An empty database (no migrations), for testing the migrations themselves. */
export async function createEmptyDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(inject('mlcAdminUrl'));
}
