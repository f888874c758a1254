import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActivityOperation,
  type ActivityStatus,
  CUSTOMER_CHANGED,
  RELEASED_PRODUCT_CHANGED,
  SALES_INVOICE_POSTED,
  SANDBOX_ADMIN_OBJECT_ID,
} from '../src/fno';
import { type FnoHarness, startFno } from './fno-harness';
import { control, type Receiver, startReceiver } from './fno-receiver';

const started: FnoHarness[] = [];
const receivers: Receiver[] = [];

afterEach(async () => {
  for (const h of started.splice(0)) await h.close();
  for (const r of receivers.splice(0)) await r.close();
});

async function start(): Promise<FnoHarness> {
  const h = await startFno({ businessEvents: { parameters: { retryWaitMs: 10 } } });
  started.push(h);
  return h;
}

async function step(h: FnoHarness, body: unknown): Promise<ActivityOperation[]> {
  const answer = await control(h, 'POST', '/_sandbox/activity/step', body);
  expect(answer.status, JSON.stringify(answer.json())).toBe(200);
  return answer.json<{ value: ActivityOperation[] }>().value;
}

const withoutTime = (operations: readonly ActivityOperation[]) =>
  operations.map(({ at: _at, ...rest }) => rest);

describe('F&O activity generator', () => {
  it('is deterministic from its seed and writes through OData validation', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const first = await step(a as FnoHarness, { count: 40, seed: 7 });
    const second = await step(b as FnoHarness, { count: 40, seed: 7 });
    expect(withoutTime(first)).toEqual(withoutTime(second));
    const kinds = new Set(first.filter((op) => op.outcome === 'done').map((op) => op.kind));
    expect([...kinds].sort()).toEqual(['customerEdits', 'invoices', 'newProducts', 'priceChanges']);
    expect(first.filter((op) => op.outcome === 'failed')).toEqual([]);

    const h = a as FnoHarness;
    const product = first.find((op) => op.kind === 'newProducts' && op.outcome === 'done');
    const released = await h.json<Record<string, unknown>>(
      `ReleasedProductsV2(dataAreaId='${product?.legalEntity}',ItemNumber='${product?.key}')?$select=ItemNumber,SalesPrice,SearchName&cross-company=true`,
    );
    expect(released['ItemNumber']).toBe(product?.key);
    const invoiced = first.find((op) => op.kind === 'invoices' && op.outcome === 'done');
    const header = await h.json<Record<string, unknown>>(
      `SalesOrderHeadersV2(dataAreaId='${invoiced?.legalEntity}',SalesOrderNumber='${invoiced?.key}')?$select=SalesOrderStatus&cross-company=true`,
    );
    expect(header['SalesOrderStatus']).toBe('Invoiced');

    const other = await step(a as FnoHarness, { count: 5, seed: 8 });
    expect(withoutTime(other)).not.toEqual(withoutTime(first.slice(0, 5)));
  });

  it('raises the matching business event for every operation, as the Admin user', async () => {
    const h = await start();
    const r = await startReceiver();
    receivers.push(r);
    const created = await control(h, 'POST', '/_sandbox/business-events/endpoints', {
      url: r.url,
      activations: [
        { businessEventId: CUSTOMER_CHANGED },
        { businessEventId: RELEASED_PRODUCT_CHANGED },
        { businessEventId: SALES_INVOICE_POSTED },
      ],
    });
    expect(created.status).toBe(201);
    await r.waitFor(3);
    const operations = (await step(h, { count: 25, seed: 11 })).filter((op) => op.outcome === 'done');
    const expected = operations.map((op) => {
      switch (op.kind) {
        case 'priceChanges':
          return `${RELEASED_PRODUCT_CHANGED} ${op.legalEntity} ${op.key} PriceChanged`;
        case 'newProducts':
          return `${RELEASED_PRODUCT_CHANGED} ${op.legalEntity} ${op.key} Created`;
        case 'customerEdits':
          return `${CUSTOMER_CHANGED} ${op.legalEntity} ${op.key} Updated`;
        case 'invoices':
          return `${SALES_INVOICE_POSTED} ${op.legalEntity} ${op.key} `;
      }
      return '';
    });
    const delivered = (await r.waitFor(3 + expected.length)).slice(3);
    expect(
      delivered.map((entry) => {
        const p = entry.json;
        const key = p['SalesOrderId'] ?? p['ItemNumber'] ?? p['CustomerAccount'];
        return `${p['BusinessEventId']} ${p['BusinessEventLegalEntity']} ${key} ${p['ChangeType'] ?? ''}`;
      }),
    ).toEqual(expected);
    expect(new Set(delivered.map((entry) => entry.json['InitiatingUserAADObjectId']))).toEqual(
      new Set([`{${SANDBOX_ADMIN_OBJECT_ID}}`]),
    );
  });

  it('runs at a chosen rate until stopped or until maxOperations, and validates its settings', async () => {
    const h = await start();
    const started = await control(h, 'PUT', '/_sandbox/activity', {
      ratePerMinute: 6_000,
      seed: 3,
      legalEntities: ['demf'],
      maxActions: 12,
    });
    expect(started.status).toBe(200);
    expect(started.json()).toMatchObject({
      running: true,
      ratePerMinute: 6_000,
      seed: 3,
      legalEntities: ['demf'],
      maxActions: 12,
    });
    let status = started.json<ActivityStatus>();
    const deadline = Date.now() + 5_000;
    while (status.running && Date.now() < deadline) {
      await sleep(20);
      status = (await control(h, 'GET', '/_sandbox/activity')).json<ActivityStatus>();
    }
    expect(status.running).toBe(false);
    expect(status.actions).toBe(12);
    expect(status.stoppedAt).not.toBeNull();
    expect(new Set(status.recent.map((op) => op.legalEntity))).toEqual(new Set(['demf']));

    // Kinds a mix omits weigh 0.
    await control(h, 'PUT', '/_sandbox/activity', { ratePerMinute: 6_000, mix: { customerEdits: 1 } });
    await sleep(60);
    const stopped = (await control(h, 'DELETE', '/_sandbox/activity')).json<ActivityStatus>();
    expect(stopped.running).toBe(false);
    expect(stopped.mix).toEqual({ priceChanges: 0, newProducts: 0, customerEdits: 1, invoices: 0 });
    expect(new Set(stopped.recent.map((op) => op.kind))).toEqual(new Set(['customerEdits']));
    expect(stopped.byKind.customerEdits).toBe(stopped.actions);
    await sleep(60);
    expect(stopped.actions).toBeGreaterThan(0);
    expect((await control(h, 'GET', '/_sandbox/activity')).json<ActivityStatus>().actions).toBe(
      stopped.actions,
    );

    const invalid = await control(h, 'PUT', '/_sandbox/activity', {
      ratePerMinute: 0,
      mix: { priceChanges: 0, newProducts: 0, customerEdits: 0, invoices: 0 },
    });
    expect(invalid.status).toBe(400);
    const issues = invalid.json<{ error: { code: string; issues: Array<{ path: string }> } }>().error;
    expect(issues.code).toBe('invalid_activity');
    expect(issues.issues.map((issue) => issue.path).sort()).toEqual(['mix', 'ratePerMinute']);
  });
});
