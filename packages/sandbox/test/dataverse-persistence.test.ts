import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './dataverse-harness';

type Row = Record<string, unknown>;

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-dataverse-persist-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function created(h: Harness, body: Row): Promise<Row> {
  const response = await h.api('accounts?$select=name', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { Prefer: 'return=representation' },
  });
  return (await response.json()) as Row;
}

describe('persistence', () => {
  it('keeps rows, versions, numbering and alternate keys across a restart; reset goes back to the seed', async () => {
    const first = await startHarness({ stateDir, seed: 5 });
    const seedStats = await first.service.stats();
    const account = await created(first, { name: 'Survives restarts' });
    const order = (await (
      await first.api('salesorders?$select=ordernumber', {
        method: 'POST',
        body: JSON.stringify({ name: 'persisted order' }),
        headers: { Prefer: 'return=representation' },
      })
    ).json()) as Row;
    await first.api("EntityDefinitions(LogicalName='account')/Keys", {
      method: 'POST',
      body: JSON.stringify({ SchemaName: 'k_accountnumber', KeyAttributes: ['accountnumber'] }),
    });
    await first.service.flush();
    const versionBefore = (await first.service.stats()).version;
    await first.close({ keepState: true });

    const files = await readdir(path.join(stateDir, 'dataverse'));
    expect(files).toContain('CURRENT');
    const current = (await readFile(path.join(stateDir, 'dataverse', 'CURRENT'), 'utf8')).trim();
    expect(await readdir(path.join(stateDir, 'dataverse', current, 'rows'))).toContain('account.jsonl');

    const second = await startHarness({ stateDir, seed: 5 });
    expect(await second.json(`accounts(${String(account['accountid'])})?$select=name`)).toMatchObject({
      name: 'Survives restarts',
    });
    expect((await second.service.stats()).version).toBe(versionBefore);
    const next = await created(second, { name: 'after restart' });
    expect(Number(String(next['@odata.etag']).replace(/\D/g, ''))).toBeGreaterThan(versionBefore);
    const nextOrder = (await (
      await second.api('salesorders?$select=ordernumber', {
        method: 'POST',
        body: JSON.stringify({ name: 'second order' }),
        headers: { Prefer: 'return=representation' },
      })
    ).json()) as Row;
    const sequence = (n: unknown) => Number(String(n).split('-')[1]);
    expect(sequence(nextOrder['ordernumber'])).toBe(sequence(order['ordernumber']) + 1);
    expect(
      (await second.json<{ value: Row[] }>("EntityDefinitions(LogicalName='account')/Keys")).value,
    ).toHaveLength(1);

    await second.service.reset();
    expect((await second.api(`accounts(${String(account['accountid'])})`)).status).toBe(404);
    expect(
      (await second.json<{ value: Row[] }>("EntityDefinitions(LogicalName='account')/Keys")).value,
    ).toHaveLength(0);
    expect((await second.service.stats()).tables).toEqual(seedStats.tables);
    await second.service.flush();
    await second.close({ keepState: true });

    const third = await startHarness({ stateDir, seed: 5 });
    expect((await third.service.stats()).tables).toEqual(seedStats.tables);
    await third.close({ keepState: true });
  });

  it('reseeds through the control route', async () => {
    const h = await startHarness({
      seed: 5,
      seedSize: { accounts: 20, contacts: 10, opportunities: 4, quotes: 1, standaloneOrders: 2 },
    });
    const before = (await h.service.stats()).tables['product'] ?? 0;
    const response = await h.fetch(`${h.origin}/_sandbox/seed`, {
      method: 'POST',
      body: JSON.stringify({ extraProducts: 500 }),
    });
    expect(response.status).toBe(200);
    const stats = (await response.json()) as { tables: Record<string, number> };
    expect(stats.tables['product']).toBe(before + 500);
    await h.close();
  });

  it('holds 100,000 products (timings and memory noted, not asserted)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlc-dataverse-100k-'));
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const h = await startHarness({ stateDir: dir, extraProducts: 100_000 });
    const seeded = performance.now();
    const firstPage = await h.api(
      "products?$select=productnumber&$filter=startswith(productnumber,'BULK-09')",
      { headers: { Prefer: 'odata.maxpagesize=5000' } },
    );
    const page = (await firstPage.json()) as { value: Row[] };
    const queried = performance.now();
    await h.service.flush();
    const flushed = performance.now();
    await h.close({ keepState: true });
    const reloaded = await startHarness({ stateDir: dir });
    const loaded = performance.now();
    const products = (await reloaded.service.stats()).tables['product'] ?? 0;
    const heapAfter = process.memoryUsage().heapUsed;
    await reloaded.close({ keepState: true });
    await rm(dir, { recursive: true, force: true });
    expect(products).toBeGreaterThan(100_000);
    expect(page.value).toHaveLength(5000);
    process.stdout.write(
      `[dataverse 100k] seed ${Math.round(seeded - started)} ms, filtered page ${Math.round(queried - seeded)} ms, flush ${Math.round(flushed - queried)} ms, reload ${Math.round(loaded - flushed)} ms, heap +${Math.round((heapAfter - heapBefore) / 1e6)} MB\n`,
    );
  }, 60_000);
});
