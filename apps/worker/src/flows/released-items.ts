import { type ConnectorContext, type FnoConfig, fetchFnoRecord } from '@mlc/connectors';
import type { ReleasedItem } from '@mlc/mappings';
import { z } from 'zod';

/**
 * Released products of a legal entity, looked up by item number and remembered for a short while
 * per process, so that an order of 50 lines for known products costs no F&O reads. The items not
 * remembered are read together: `ReleasedProductsV2` filtered on the legal entity and up to
 * `CHUNK` item numbers (`ItemNumber eq 'A' or …`, the URL stays well under 2,000 characters), so a
 * 50-line order of new products costs 4 reads instead of 50. An item number F&O would read as a
 * pattern (`*`) is read by its full key instead. Items found missing are never remembered:
 * releasing the product in F&O and replaying the order must work at once.
 */
const CHUNK = 15;

const pageSchema = z.object({
  value: z.array(
    z.looseObject({
      dataAreaId: z.string(),
      ItemNumber: z.string(),
      SalesUnitSymbol: z.string().nullable().optional(),
    }),
  ),
});

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

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
    const keyOf = (itemNumber: string) => `${dataAreaId}|${itemNumber.toLowerCase()}`;
    const found = (
      itemNumber: string,
      row: { ItemNumber?: string | null | undefined; SalesUnitSymbol?: string | null | undefined },
    ) => {
      const item: ReleasedItem = {
        itemNumber: row.ItemNumber ?? itemNumber,
        salesUnitSymbol: row.SalesUnitSymbol ?? '',
        released: true,
      };
      this.#found.set(keyOf(itemNumber), { item, at: now });
      items.set(itemNumber, item);
    };
    const toRead: string[] = [];
    for (const itemNumber of new Set(itemNumbers)) {
      const cached = this.#found.get(keyOf(itemNumber));
      if (cached && now - cached.at < this.ttlMs) items.set(itemNumber, cached.item);
      else toRead.push(itemNumber);
    }
    const byKey = toRead.filter((itemNumber) => itemNumber.includes('*'));
    const filtered = toRead.filter((itemNumber) => !itemNumber.includes('*'));
    const chunks: string[][] = [];
    for (let start = 0; start < filtered.length; start += CHUNK)
      chunks.push(filtered.slice(start, start + CHUNK));
    await Promise.all([
      ...chunks.map(async (chunk) => {
        const filter = `dataAreaId eq ${literal(dataAreaId)} and (${chunk
          .map((itemNumber) => `ItemNumber eq ${literal(itemNumber)}`)
          .join(' or ')})`;
        const response = await ctx.http.request({
          method: 'GET',
          url: `${config.url}/data/ReleasedProductsV2?cross-company=true&$filter=${encodeURIComponent(filter)}&$select=dataAreaId,ItemNumber,SalesUnitSymbol`,
          headers: { 'odata-version': '4.0' },
          priority: 'live',
          signal: ctx.signal,
          schema: pageSchema,
        });
        for (const itemNumber of chunk) {
          fetched.push(itemNumber);
          // F&O compares case-insensitively; the company is checked too.
          const row = response.body.value.find(
            (candidate) =>
              candidate.ItemNumber.toLowerCase() === itemNumber.toLowerCase() &&
              candidate.dataAreaId.toLowerCase() === dataAreaId.toLowerCase(),
          );
          if (row) found(itemNumber, row);
          else missing.push(itemNumber);
        }
      }),
      ...byKey.map(async (itemNumber) => {
        const row = await fetchFnoRecord(
          ctx,
          config,
          'ReleasedProductsV2',
          { dataAreaId, ItemNumber: itemNumber },
          { priority: 'live' },
        );
        fetched.push(itemNumber);
        if (row) found(itemNumber, row);
        else missing.push(itemNumber);
      }),
    ]);
    return { items, fetched: fetched.sort(), missing: missing.sort() };
  }
}
