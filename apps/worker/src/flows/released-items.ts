import { type ConnectorContext, type FnoConfig, fetchFnoRecord } from '@mlc/connectors';
import type { ReleasedItem } from '@mlc/mappings';

/**
 * Released products of a legal entity, looked up by item number (`ReleasedProductsV2` by its full
 * key) and remembered for a short while per process, so that an order of 50 lines for known
 * products costs no F&O reads. Items found missing are never remembered: releasing the product
 * in F&O and replaying the order must work at once.
 */
export class ReleasedItemCache {
  readonly #found = new Map<string, { item: ReleasedItem; at: number }>();
  constructor(readonly ttlMs = 60_000) {}

  async resolve(
    ctx: ConnectorContext,
    config: FnoConfig,
    dataAreaId: string,
    itemNumbers: readonly string[],
  ): Promise<{ items: Map<string, ReleasedItem>; fetched: string[]; missing: string[] }> {
    const items = new Map<string, ReleasedItem>();
    const fetched: string[] = [];
    const missing: string[] = [];
    const now = Date.now();
    await Promise.all(
      [...new Set(itemNumbers)].map(async (itemNumber) => {
        const key = `${dataAreaId}|${itemNumber.toLowerCase()}`;
        const cached = this.#found.get(key);
        if (cached && now - cached.at < this.ttlMs) {
          items.set(itemNumber, cached.item);
          return;
        }
        const row = await fetchFnoRecord(
          ctx,
          config,
          'ReleasedProductsV2',
          { dataAreaId, ItemNumber: itemNumber },
          {
            priority: 'live',
          },
        );
        fetched.push(itemNumber);
        if (!row) {
          missing.push(itemNumber);
          return;
        }
        const item: ReleasedItem = {
          itemNumber: row.ItemNumber ?? itemNumber,
          salesUnitSymbol: row.SalesUnitSymbol ?? '',
          released: true,
        };
        this.#found.set(key, { item, at: now });
        items.set(itemNumber, item);
      }),
    );
    return { items, fetched: fetched.sort(), missing: missing.sort() };
  }
}
