import type { AlternateKeys } from '../store/alternate-keys';
import type { Store } from '../store/store';
import type { Actor, EntityRef } from '../store/types';

/** Everything a write needs: the data, who writes, and how `$n` references resolve. */
export interface WriteContext {
  store: Store;
  keys: AlternateKeys;
  actor: Actor;
  /** Base currency of the org, the default `transactioncurrencyid`. */
  baseCurrencyId: string;
  /**
   * `$batch` hook: resolves a changeset Content-ID reference (`$1`) to the row it created.
   * Undefined outside a batch, where `$n` is an error.
   */
  resolveContentId?: (reference: string) => EntityRef | undefined;
}

export interface WriteOptions {
  /**
   * Skips the state rules (closed opportunities read-only, only Active orders editable, no
   * statecode Won via PATCH): for the sales messages (WinOpportunity, ConvertQuoteToSalesOrder…)
   * that change state the way the platform does internally.
   */
  bypassStateRules?: boolean;
}
