import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FnoHarness, type ODataCollection, startFno } from './fno-harness';

let fno: FnoHarness;

beforeAll(async () => {
  // 10,500 products: usmf releases all but the catalogue's demf-only items, i.e. more than 10,000.
  fno = await startFno({ products: 10_500 });
});

afterAll(async () => {
  await fno.close();
});

/** Follows `@odata.nextLink` as-is and returns every page. */
async function allPages(first: string): Promise<ODataCollection[]> {
  const pages: ODataCollection[] = [];
  let next: string | undefined = first;
  while (next) {
    const page: ODataCollection = await fno.json(next);
    pages.push(page);
    next = page['@odata.nextLink'];
  }
  return pages;
}

describe('server-driven paging', () => {
  it('pages more than 10,000 rows with @odata.nextLink, keeping the query options', async () => {
    const pages = await allPages('ReleasedProductsV2?$select=ItemNumber&$count=true');
    expect(pages.map((page) => page.value.length)).toEqual([10_000, 420]);
    expect(pages[0]?.['@odata.nextLink']).toBe(
      `${fno.origin}/data/ReleasedProductsV2?$select=ItemNumber&$count=true&$skip=10000`,
    );
    expect(pages[0]?.['@odata.count']).toBe(10_420);
    const items = pages.flatMap((page) => page.value.map((row) => row['ItemNumber']));
    expect(new Set(items).size).toBe(10_420);
  });

  it('carries the rest of a $top larger than a page into the next link', async () => {
    const pages = await allPages('ReleasedProductsV2?$select=ItemNumber&$top=10200');
    expect(pages.map((page) => page.value.length)).toEqual([10_000, 200]);
    expect(pages[0]?.['@odata.nextLink']).toBe(
      `${fno.origin}/data/ReleasedProductsV2?$select=ItemNumber&$skip=10000&$top=200`,
    );
  });

  it('pages across companies with cross-company=true and a filter', async () => {
    const pages = await allPages(
      "ReleasedProductsV2?cross-company=true&$filter=ItemNumber eq 'BULK-*'&$select=ItemNumber,dataAreaId",
    );
    expect(pages.map((page) => page.value.length)).toEqual([10_000, 7_000]);
    expect(pages[0]?.['@odata.nextLink']).toContain('cross-company=true&$filter=ItemNumber%20eq%20');
  });

  it('does not page below the page size', async () => {
    const page = await fno.json('ReleasedProductsV2?$select=ItemNumber&$top=10000');
    expect(page.value).toHaveLength(10_000);
    expect(page['@odata.nextLink']).toBeUndefined();
  });
});
