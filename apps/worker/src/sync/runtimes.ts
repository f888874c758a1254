import { eq, schema } from '@mlc/db';
import { ReleasedItemCache, type SyncRuntime } from '../flows/index';
import { loadConnectionRuntime, type RuntimeDeps } from '../runtime/connection';

interface Entry {
  version: number;
  runtime: Promise<SyncRuntime>;
  /** Checked against the database while change notices were arriving, and none came since. */
  fresh: boolean;
}

/**
 * One runtime per connection per process (one HTTP client, token and throttle budget per host),
 * rebuilt when the connection row changes (new secret, new settings, status).
 *
 * Whether it changed is asked of the database (its `updated_at` and status) before a job uses it,
 * unless the process hears of changes: every change of a connection row is announced on
 * `CONNECTION_CHANGES_CHANNEL` (a trigger), and while the worker listens (`setLive(true)`) a
 * runtime checked since and not announced changed is used as it is. A notice, or losing the
 * listening connection, makes the next job ask again. A check that a notice overtook is not
 * trusted (a generation per connection).
 */
export class RuntimeCache {
  readonly #entries = new Map<string, Entry>();
  /** Bumped per connection by each change notice, and for all when listening stops. */
  readonly #generations = new Map<string, number>();
  #epoch = 0;
  #live = false;
  constructor(readonly deps: RuntimeDeps) {}

  /** The worker hears change notices (`true`), or no longer does (`false`: every job asks again). */
  setLive(live: boolean): void {
    if (live === this.#live) return;
    this.#live = live;
    this.#epoch += 1;
    for (const entry of this.#entries.values()) entry.fresh = false;
  }

  /** A change notice for one connection (its id). */
  changed(connectionId: string): void {
    this.#generations.set(connectionId, (this.#generations.get(connectionId) ?? 0) + 1);
    const entry = this.#entries.get(connectionId);
    if (entry) entry.fresh = false;
  }

  async get(connectionId: string): Promise<SyncRuntime> {
    const known = this.#entries.get(connectionId);
    if (known?.fresh && this.#live) return known.runtime;
    const trusted = this.#live;
    const epoch = this.#epoch;
    const generation = this.#generations.get(connectionId) ?? 0;
    const [row] = await this.deps.db.db
      .select({ updatedAt: schema.connections.updatedAt, status: schema.connections.status })
      .from(schema.connections)
      .where(eq(schema.connections.id, connectionId));
    // Fresh only when no notice (and no loss of the listener) came since before the row was read.
    const unchanged = () =>
      row !== undefined &&
      trusted &&
      epoch === this.#epoch &&
      generation === (this.#generations.get(connectionId) ?? 0);
    const version = row?.updatedAt.getTime() ?? -1;
    const cached = this.#entries.get(connectionId);
    if (cached && cached.version === version) {
      const runtime = await cached.runtime;
      if (row) runtime.status = row.status;
      if (unchanged() && this.#entries.get(connectionId) === cached) cached.fresh = true;
      return runtime;
    }
    if (cached) void cached.runtime.then((old) => old.close()).catch(() => undefined);
    const runtime = loadConnectionRuntime(this.deps, connectionId).then(
      (base): SyncRuntime => ({ ...base, releasedItems: new ReleasedItemCache() }),
    );
    const entry: Entry = { version, runtime, fresh: false };
    this.#entries.set(connectionId, entry);
    runtime.then(
      () => {
        if (unchanged() && this.#entries.get(connectionId) === entry) entry.fresh = true;
      },
      () => {
        if (this.#entries.get(connectionId) === entry) this.#entries.delete(connectionId);
      },
    );
    return runtime;
  }

  async close(): Promise<void> {
    this.setLive(false);
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.allSettled(all.map(async (entry) => (await entry.runtime).close()));
  }
}
