import { eq, schema } from '@mlc/db';
import { ReleasedItemCache, type SyncRuntime } from '../flows/index';
import { loadConnectionRuntime, type RuntimeDeps } from '../runtime/connection';

/**
 * One runtime per connection per process (one HTTP client, token and throttle budget per host),
 * rebuilt when the connection row changes (new secret, new settings).
 */
export class RuntimeCache {
  readonly #entries = new Map<string, { version: number; runtime: Promise<SyncRuntime> }>();
  constructor(readonly deps: RuntimeDeps) {}

  async get(connectionId: string): Promise<SyncRuntime> {
    const [row] = await this.deps.db.db
      .select({ updatedAt: schema.connections.updatedAt, status: schema.connections.status })
      .from(schema.connections)
      .where(eq(schema.connections.id, connectionId));
    const version = row?.updatedAt.getTime() ?? -1;
    const cached = this.#entries.get(connectionId);
    if (cached && cached.version === version) {
      const runtime = await cached.runtime;
      if (row) runtime.status = row.status;
      return runtime;
    }
    if (cached) void cached.runtime.then((old) => old.close()).catch(() => undefined);
    const runtime = loadConnectionRuntime(this.deps, connectionId).then(
      (base): SyncRuntime => ({ ...base, releasedItems: new ReleasedItemCache() }),
    );
    this.#entries.set(connectionId, { version, runtime });
    runtime.catch(() => this.#entries.delete(connectionId));
    return runtime;
  }

  async close(): Promise<void> {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.allSettled(all.map(async (entry) => (await entry.runtime).close()));
  }
}
