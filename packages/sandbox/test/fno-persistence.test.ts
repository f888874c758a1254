import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Entity, startFno } from './fno-harness';

const stateDirs: string[] = [];

afterAll(async () => {
  for (const dir of stateDirs) await rm(dir, { recursive: true, force: true });
});

async function freshStateDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlc-fno-state-'));
  stateDirs.push(dir);
  return dir;
}

describe('persistence', () => {
  it('keeps writes and number sequences across a restart once flushed', async () => {
    const stateDir = await freshStateDir();
    const first = await startFno({ stateDir });
    const response = await first.post('CustomersV3', {
      OrganizationName: 'Persistent Ltd.',
      CustomerGroupId: '30',
      SalesCurrencyCode: 'USD',
    });
    const customer = (await response.json()) as Entity;
    const key = `CustomersV3(dataAreaId='usmf',CustomerAccount='${customer['CustomerAccount']}')`;
    await first.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00003')", {
      method: 'PATCH',
      body: JSON.stringify({ CreditLimit: 777 }),
    });
    await first.service.flush();
    await first.close();
    expect(await readdir(path.join(stateDir, 'fno', 'tables'))).toContain('CustomersV3.jsonl');

    const second = await startFno({ stateDir });
    const reloaded = await second.json<Entity>(key);
    expect(reloaded['OrganizationName']).toBe('Persistent Ltd.');
    expect(reloaded['@odata.etag']).toBe(customer['@odata.etag']);
    const patched = await second.json<Entity>("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00003')");
    expect(patched['CreditLimit']).toBe(777);
    const next = (await (
      await second.post('CustomersV3', {
        OrganizationName: 'After restart',
        CustomerGroupId: '30',
        SalesCurrencyCode: 'USD',
      })
    ).json()) as Entity;
    expect(next['CustomerAccount']).toBe('US-00062');

    await second.service.reset();
    expect((await second.api(key)).status).toBe(404);
    const seeded = await second.json<Entity>("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00003')");
    expect(seeded['CreditLimit']).not.toBe(777);
    const afterReset = (await (
      await second.post('CustomersV3', {
        OrganizationName: 'After reset',
        CustomerGroupId: '30',
        SalesCurrencyCode: 'USD',
      })
    ).json()) as Entity;
    expect(afterReset['CustomerAccount']).toBe('US-00061');
    await second.close();
  });

  it('builds the same seed from the same seed number', async () => {
    const a = await startFno({ stateDir: await freshStateDir(), seed: 7 });
    const b = await startFno({ stateDir: await freshStateDir(), seed: 7 });
    const c = await startFno({ stateDir: await freshStateDir(), seed: 8 });
    const query = 'CustomersV3?cross-company=true&$select=CustomerAccount,OrganizationName,CreditLimit';
    const [rowsA, rowsB, rowsC] = await Promise.all([a.json(query), b.json(query), c.json(query)]);
    expect(rowsA.value).toEqual(rowsB.value);
    expect(rowsA.value).not.toEqual(rowsC.value);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});
