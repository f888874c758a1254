import { createDbClient, type Database, type DbClient, schema } from '../src/index';

export const uuid = () => crypto.randomUUID();

/** A workspace with one connection; returns the connection id. */
export async function seedConnection(db: Database, slug = 'contoso'): Promise<string> {
  const [workspace] = await db.insert(schema.workspaces).values({ name: slug, slug }).returning();
  if (!workspace) throw new Error('no workspace');
  const [connection] = await db
    .insert(schema.connections)
    .values({
      workspaceId: workspace.id,
      name: 'prod',
      entraTenantId: uuid(),
      salesUrl: `https://${slug}.crm.dynamics.com`,
      salesClientId: uuid(),
      fnoUrl: `https://${slug}.operations.dynamics.com`,
      fnoClientId: uuid(),
      settings: { legalEntities: { default: 'usmf', rules: [] } } as never,
    })
    .returning();
  if (!connection) throw new Error('no connection');
  return connection.id;
}

/**
 * Several independent pools on one database, like several worker processes; `run` gets one `Database`
 * per "process" and the pools are closed afterwards.
 */
export async function withWorkers<T>(url: string, count: number, run: (dbs: Database[]) => Promise<T>) {
  const clients: DbClient[] = Array.from({ length: count }, () => createDbClient(url, { max: 5 }));
  try {
    return await run(clients.map((client) => client.db));
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** The SQLSTATE a promise rejected with (drizzle wraps the pg error in `cause`). */
export async function sqlState(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string }; code?: string }).cause ?? error;
    return (cause as { code?: string }).code;
  }
}
