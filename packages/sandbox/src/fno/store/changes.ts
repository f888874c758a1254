import type { Value } from '../metadata/types';

/**
 * A committed change to one row. Business events ("customer changed", "released product changed",
 * "sales invoice posted") and data events are raised from these, after the commit, as F&O does.
 */
export interface EntityChange {
  entitySet: string;
  operation: 'create' | 'update' | 'delete';
  /** The row's key values (incl. `dataAreaId` for company-specific entities). */
  keys: Readonly<Record<string, Value>>;
  /** The company of the row; undefined for shared entities. */
  legalEntity: string | undefined;
  /** Values after the change (before it, for deletes); sparse like the stored row. */
  values: Readonly<Record<string, Value>>;
  /** Properties whose value changed (updates only). */
  changed: readonly string[];
  at: Date;
}

export type ChangeListener = (changes: readonly EntityChange[]) => void;

/** Fan-out of committed changes, one call per transaction. A throwing listener never undoes a commit. */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(changes: readonly EntityChange[], onError: (error: unknown) => void): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch (error) {
        onError(error);
      }
    }
  }
}
