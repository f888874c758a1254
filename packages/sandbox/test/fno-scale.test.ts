import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Entity, startFno } from './fno-harness';

let stateDir = '';

afterAll(async () => {
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('scale', () => {
  it('holds 100,000 released products per legal entity, queries, flushes and reloads them', {
    timeout: 60_000,
  }, async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-fno-scale-'));
    const timings: Record<string, number> = {};
    const time = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await work();
      timings[label] = Math.round(performance.now() - started);
      return result;
    };

    const fno = await time('seed + first save', () => startFno({ stateDir, products: 100_000 }));
    // 100,000 per company minus the catalogue items released only in the other one (80).
    expect(Number(await (await fno.api('ReleasedProductsV2/$count')).text())).toBe(99_920);
    const filtered = await time('filtered read over 200,000 rows', () =>
      fno.json(
        "ReleasedProductsV2?cross-company=true&$filter=ItemNumber eq 'BULK-09799*' and SalesPrice gt 0&$select=ItemNumber,dataAreaId",
      ),
    );
    // Bulk items are BULK-000001 … BULK-098000 (the first 2,000 items are the IE- catalogue).
    const expected = ['demf', 'usmf'].flatMap((company) =>
      Array.from({ length: 10 }, (_, i) => `${company} BULK-09799${i}`),
    );
    expect(filtered.value.map((row) => `${row['dataAreaId']} ${row['ItemNumber']}`).sort()).toEqual(expected);
    await time('sorted page', () =>
      fno.json('ReleasedProductsV2?$orderby=SalesPrice desc&$top=100&$select=ItemNumber'),
    );
    await fno.api("ReleasedProductsV2(dataAreaId='usmf',ItemNumber='BULK-050000')", {
      method: 'PATCH',
      body: JSON.stringify({ SalesPrice: 1.23 }),
    });
    await time('flush', () => fno.service.flush());
    await fno.close({ keepState: true });

    const reloaded = await time('reload', () => startFno({ stateDir }));
    const product = await reloaded.json<Entity>(
      "ReleasedProductsV2(dataAreaId='usmf',ItemNumber='BULK-050000')",
    );
    expect(product['SalesPrice']).toBe(1.23);
    expect(Number(await (await reloaded.api('ReleasedProductsV2/$count?cross-company=true')).text())).toBe(
      199_840,
    );
    await reloaded.close({ keepState: true });
    process.stdout.write(`fno scale (ms): ${JSON.stringify(timings)}\n`);
  });
});
