import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './dataverse-harness';

type Collection = {
  value: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
};

let h: Harness;
let total = 0;
beforeAll(async () => {
  h = await startHarness({ extraProducts: 12_000 });
  total = (await h.service.stats()).tables['product'] ?? 0;
});
afterAll(async () => {
  await h.close();
});

async function pageAll(
  first: string,
  prefer?: string,
): Promise<{ ids: string[]; pages: number; links: string[] }> {
  const ids: string[] = [];
  const links: string[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    const response = await h.api(url, prefer ? { headers: { Prefer: prefer } } : {});
    expect(response.status).toBe(200);
    const body = (await response.json()) as Collection;
    ids.push(...body.value.map((r) => String(r['productid'])));
    pages++;
    url = body['@odata.nextLink'];
    if (url) links.push(url);
  }
  return { ids, pages, links };
}

describe('paging', () => {
  it('pages more than 5,000 rows by 5,000 by default, each row once', async () => {
    expect(total).toBeGreaterThan(12_000);
    const { ids, pages, links } = await pageAll('products?$select=productnumber');
    expect(pages).toBe(Math.ceil(total / 5000));
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    const link = links[0] ?? '';
    expect(link.startsWith(`${h.root}products?$select=productnumber&$skiptoken=`)).toBe(true);
    const token = decodeURIComponent(new URL(link).search.split('$skiptoken=')[1] ?? '');
    expect(token).toMatch(
      /^<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e%253cproductid%2520last%253d%2522%257b[0-9A-F-]+%257d%2522.*" istracking="False" \/>$/,
    );
  });

  it('honours odata.maxpagesize with $orderby and $filter, and echoes it', async () => {
    const prefer = 'odata.maxpagesize=1000';
    const first = await h.api(
      "products?$select=name,price&$filter=startswith(productnumber,'BULK-')&$orderby=price desc",
      { headers: { Prefer: prefer } },
    );
    expect(first.headers.get('preference-applied')).toBe(prefer);
    expect(((await first.json()) as Collection).value).toHaveLength(1000);
    const { ids, pages } = await pageAll(
      "products?$select=name,price&$filter=startswith(productnumber,'BULK-')&$orderby=price desc",
      prefer,
    );
    expect(ids).toHaveLength(12_000);
    expect(new Set(ids).size).toBe(12_000);
    expect(pages).toBe(12);
  });

  it('ignores maxpagesize above 5,000 and $top when maxpagesize is set; $top alone has no nextLink', async () => {
    const big = await h.api('products?$select=name', { headers: { Prefer: 'odata.maxpagesize=9000' } });
    expect(big.headers.get('preference-applied')).toBeNull();
    expect(((await big.json()) as Collection).value).toHaveLength(5000);
    const withTop = (await (
      await h.api('products?$select=name&$top=10', { headers: { Prefer: 'odata.maxpagesize=50' } })
    ).json()) as Collection;
    expect(withTop.value).toHaveLength(50);
    expect(withTop['@odata.nextLink']).toBeDefined();
    const topOnly = await h.json<Collection>('products?$select=name&$top=10');
    expect(topOnly.value).toHaveLength(10);
    expect(topOnly['@odata.nextLink']).toBeUndefined();
  });

  it('keeps paging stable when rows are created between pages', async () => {
    const prefer = 'odata.maxpagesize=5000';
    const first = (await (
      await h.api('products?$select=productnumber', { headers: { Prefer: prefer } })
    ).json()) as Collection;
    const created = await h.api('products', {
      method: 'POST',
      body: JSON.stringify({ name: 'Late arrival', productnumber: 'LATE-1', quantitydecimal: 0 }),
    });
    expect(created.status).toBe(204);
    const rest = await pageAll(first['@odata.nextLink'] ?? '', prefer);
    const all = new Set([...first.value.map((r) => String(r['productid'])), ...rest.ids]);
    expect(all.size).toBe(first.value.length + rest.ids.length);
  });

  it('caps $count at 5,000 and flags it in the annotations', async () => {
    const body = await h.json<Record<string, unknown>>('products?$select=name&$count=true&$top=1', {
      headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.*"' },
    });
    expect(body['@odata.count']).toBe(5000);
    expect(body['@Microsoft.Dynamics.CRM.totalrecordcount']).toBe(5000);
    expect(body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']).toBe(true);
    expect(await (await h.api('products/$count')).text()).toBe('5000');
  });
});
