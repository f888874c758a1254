import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createRecordsRepository, type Database, inArray, schema } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, missingPrerequisite, type RunningPortal, startPortal } from './product';
import { connectionInput, signUpInBrowser, visible } from './workspace';

/**
 * Tenant isolation as a person meets it: signed in as workspace B, the pages of workspace A opened
 * by URL (A's connection and record ids) show a not-found state and none of A's data, neither on
 * the page nor in any API answer the page received; B's own pages work, and A's ids are real (A sees
 * its pages). The built portal in chromium.
 */

const artifacts = path.join(import.meta.dirname, 'artifacts');
let browser: Browser | undefined;

beforeAll(async () => {
  const missing = missingPrerequisite();
  if (missing) throw new Error(`browser test: ${missing}`);
  await mkdir(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

/** One workspace's connection with a failed order (message, remedy, audit event) and a synced product. */
async function seedRecords(db: Database, connectionId: string, names: { order: string; item: string }) {
  const records = createRecordsRepository(db);
  const sourceId = randomUUID();
  const order = await records.upsertPending({
    connectionId,
    direction: 'sales_to_fno',
    entity: 'salesorder',
    naturalKey: sourceId,
    sourceId,
  });
  await records.describe(order.id, { label: names.order, dealKey: names.order, targetDataAreaId: 'usmf' });
  const failure = {
    code: 'product_not_released',
    message: `Item ${names.item} is not released in usmf.`,
    remedy: `Release ${names.item} to usmf in F&O, then replay.`,
  };
  await records.appendEvent(order.id, {
    stage: 'validate',
    step: 'check-products-released',
    outcome: 'failed',
    correlationId: randomUUID(),
    input: { products: [names.item] },
    error: failure,
    startedAt: new Date(),
    durationMs: 5,
  });
  await records.markFailed(order.id, failure);
  await records.recordBulk(
    { connectionId, direction: 'fno_to_sales', entity: 'product' },
    [
      {
        naturalKey: names.item,
        sourceId: `usmf/${names.item}`,
        label: names.item,
        targetDataAreaId: 'usmf',
        ok: true,
        targetKey: randomUUID(),
        contentHash: 'h1',
      },
    ],
    { step: 'write-products', correlationId: randomUUID(), startedAt: new Date(), durationMs: 5 },
  );
  return order.id;
}

/** What the pages of a context receive from the tRPC API (to search for another workspace's data). */
function captureApi(context: BrowserContext): () => Promise<string> {
  const bodies: Promise<string>[] = [];
  context.on('response', (response) => {
    if (response.url().includes('/api/trpc/'))
      bodies.push(response.text().catch((error: unknown) => `(body not read: ${String(error)})`));
  });
  return async () => (await Promise.all(bodies)).join('\n');
}

describe('workspace isolation, in the browser', () => {
  dbTest(
    "signed in as workspace B, workspace A's pages by URL show not found and none of A's data",
    async ({ database }) => {
      let portal: RunningPortal | undefined;
      let page: Page | undefined;
      try {
        portal = await startPortal({ databaseUrl: database.url });
        const baseUrl = portal.baseUrl;
        const newContext = () => (browser as Browser).newContext({ viewport: { width: 1280, height: 900 } });
        const contextA = await newContext();
        const contextB = await newContext();

        const alice = await signUpInBrowser(contextA, baseUrl, {
          name: 'Alice Alder',
          organisationName: 'Alpha Holdings',
        });
        const bob = await signUpInBrowser(contextB, baseUrl, {
          name: 'Bob Birch',
          organisationName: 'Bravo Traders',
        });
        const A = { connection: 'Alpha Production', order: 'ALPHA-ORD-1001', item: 'ALPHA-ITEM-7' };
        const B = { connection: 'Bravo Production', order: 'BRAVO-ORD-2002', item: 'BRAVO-ITEM-3' };
        const { id: aConnection } = await alice.mutate<{ id: string }>(
          'connections.create',
          connectionInput(A.connection, 'alpha'),
        );
        const { id: bConnection } = await bob.mutate<{ id: string }>(
          'connections.create',
          connectionInput(B.connection, 'bravo'),
        );
        // Both running, as after Enable (a draft's card leads to the wizard instead of the dashboard).
        await database.db
          .update(schema.connections)
          .set({ status: 'active', enabledAt: new Date() })
          .where(inArray(schema.connections.id, [aConnection, bConnection]));
        const aRecord = await seedRecords(database.db, aConnection, A);
        const bRecord = await seedRecords(database.db, bConnection, B);

        /** Everything of A's that must never reach B: names, labels, messages, the people. */
        const aData = [
          'Alpha Holdings',
          'Alice Alder',
          alice.email,
          A.connection,
          A.order,
          A.item,
          'alpha.crm.dynamics.com',
          'alpha.operations.dynamics.com',
        ];

        // Control: A's ids are real, and A's own pages show A's data.
        page = await contextA.newPage();
        await page.goto(`${baseUrl}/connections/${aConnection}/records/${aRecord}`);
        await visible(page.getByRole('heading', { name: A.order, level: 1 }));
        await visible(page.getByText(`Item ${A.item} is not released in usmf.`));
        await page.goto(`${baseUrl}/connections/${aConnection}`);
        await visible(page.getByRole('heading', { name: A.connection, level: 1 }));
        await page.close();

        // B opens A's pages by URL.
        const seenByB = captureApi(contextB);
        page = await contextB.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(String(error)));
        const foreign = [
          {
            name: 'dashboard',
            url: `/connections/${aConnection}`,
            says: 'We could not find this connection.',
          },
          {
            name: 'records',
            url: `/connections/${aConnection}/records`,
            says: 'We could not find the records of this connection.',
          },
          {
            name: 'records-failed',
            url: `/connections/${aConnection}/records?status=failed`,
            says: 'We could not find the records of this connection.',
          },
          {
            name: 'record',
            url: `/connections/${aConnection}/records/${aRecord}`,
            says: 'We could not find this record.',
          },
          // A's record under B's own connection.
          {
            name: 'record-under-b',
            url: `/connections/${bConnection}/records/${aRecord}`,
            says: 'We could not find this record.',
          },
          {
            name: 'wizard',
            url: `/connections/new?id=${aConnection}`,
            says: 'We could not find this connection.',
          },
        ];
        for (const visit of foreign) {
          await page.goto(`${baseUrl}${visit.url}`);
          const alert = page.getByRole('alert').filter({ hasText: visit.says });
          await visible(alert);
          expect((await alert.first().textContent()) ?? '', visit.name).toMatch(
            /belongs to another workspace/,
          );
          await page.screenshot({
            path: path.join(artifacts, `isolation-b-${visit.name}.png`),
            fullPage: true,
          });
          const html = await page.content();
          for (const text of aData) expect(html, `${visit.name} shows ${text}`).not.toContain(text);
        }

        // B's own pages work, and list B's things only.
        await page.goto(`${baseUrl}/connections`);
        await visible(page.getByRole('link', { name: B.connection }));
        await page.goto(`${baseUrl}/connections/${bConnection}`);
        await visible(page.getByRole('heading', { name: B.connection, level: 1 }));
        await visible(page.getByRole('heading', { name: 'Figures' }));
        await page.goto(`${baseUrl}/connections/${bConnection}/records`);
        await visible(page.getByRole('row').filter({ hasText: B.order }));
        await visible(page.getByRole('row').filter({ hasText: B.item }));
        await page.goto(`${baseUrl}/connections/${bConnection}/records/${bRecord}`);
        await visible(page.getByRole('heading', { name: B.order, level: 1 }));
        await visible(page.getByText(`Item ${B.item} is not released in usmf.`));
        await page.screenshot({ path: path.join(artifacts, 'isolation-b-own-record.png'), fullPage: true });
        for (const text of aData) expect(await page.content(), `B's pages show ${text}`).not.toContain(text);

        // Nothing of A's came through the API either, on any of B's pages.
        const received = await seenByB();
        expect(received).toContain(B.order);
        for (const text of aData) expect(received, `an API answer to B carried ${text}`).not.toContain(text);
        expect(pageErrors).toEqual([]);
        await contextA.close();
        await contextB.close();
      } catch (error) {
        if (page)
          await page.screenshot({ path: path.join(artifacts, 'isolation-failure.png') }).catch(() => {});
        const output = portal?.output() ?? '';
        if (error instanceof Error && output) error.message += `\n--- portal output ---\n${output}`;
        throw error;
      } finally {
        await portal?.close();
      }
    },
    120_000,
  );
});
