import type { ConnectionRuntime } from '../runtime/connection';
import type { ReleasedItemCache } from './released-items';

/** What the Sales ↔ F&O flows get as their runtime: the connection plus per-connection caches. */
export interface SyncRuntime extends ConnectionRuntime {
  releasedItems: ReleasedItemCache;
}
