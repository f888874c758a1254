import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createRecordsRepository, eq, schema } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, missingPrerequisite, type RunningPortal, startPortal } from './product';
import { connectionInput, signUpInBrowser, visible } from './workspace';

/**
 * Names from Sales and F&O (and the ones people type) that contain markup are shown as text on every
 * page that shows them: the records browser, a record with its audit trail, the connections list and
 * the dashboard. The records are stored as the sync stores them (labels, last errors, audit events
 * with input/output/error payloads), in the built portal, in chromium. Each page is checked three
 * ways: the literal text is visible, no element made from the data exists (no <img>, no script with
 * the payload, no event-handler attribute), and no payload ran (`window.__pwned` stays undefined).
 */

const PWN = {
  img: '<img src=x onerror="window.__pwned=1">',
  script: '<script>window.__pwned=2</script>',
  svg: '"><svg onload=window.__pwned=3>',
} as const;

const NAMES = {
  person: `Dana ${PWN.img}`,
  organisation: `Kestrel ${PWN.script} Ltd`,
  connection: `Contoso ${PWN.svg} EU`,
  account: `Fabrikam ${PWN.img} & Sons`,
  opportunity: `Deal ${PWN.script} Q3`,
  product: `Pump ${PWN.svg} 40 mm`,
  item: `IE-${PWN.img}`,
  customerAccount: `US-${PWN.script}`,
} as const;

/** How a string reads inside the JSON views of the audit trail (quotes escaped). */
const asJson = (text: string) => JSON.stringify(text).slice(1, -1);

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

/** Nothing the data carried became an element, and nothing of it ran. */
async function expectInert(page: Page, where: string) {
  const found = await page.evaluate(() => ({
    pwned: typeof (window as unknown as { __pwned?: unknown }).__pwned,
    // The portal has no images, frames or embeds of its own.
    embedded: document.querySelectorAll('img, iframe, object, embed').length,
    handlers: document.querySelectorAll('[onerror], [onload]').length,
    // Next's own scripts (its flight data may quote the URL as a string) aside, no script carries a payload.
    payloadScripts: [...document.scripts].filter((script) => {
      const text = script.textContent ?? '';
      return text.includes('__pwned') && !text.includes('self.__next_f');
    }).length,
  }));
  expect(found, where).toEqual({ pwned: 'undefined', embedded: 0, handlers: 0, payloadScripts: 0 });
}

/** Every text is visible on the page as it is (the first match of each). */
async function expectTexts(page: Page, texts: readonly string[]) {
  for (const text of texts) await visible(page.getByText(text));
}

/** Opens every closed `<details>` (earlier runs, input, output, error payloads). */
async function openAllDetails(page: Page) {
  for (;;) {
    const closed = page.locator('details:not([open]) > summary');
    if ((await closed.count()) === 0) return;
    await closed.first().click();
  }
}

describe('markup in names, in the browser', () => {
  dbTest(
    'product, account and other names with markup are text on every page that shows them',
    async ({ database }) => {
      let portal: RunningPortal | undefined;
      let page: Page | undefined;
      try {
        portal = await startPortal({ databaseUrl: database.url });
        const baseUrl = portal.baseUrl;
        const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 } });
        page = await context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(String(error)));

        // A workspace, and a connection as people create them (name, routing rule on an account name).
        const dana = await signUpInBrowser(context, baseUrl, {
          name: NAMES.person,
          organisationName: NAMES.organisation,
        });
        const { id: connectionId } = await dana.mutate<{ id: string }>(
          'connections.create',
          connectionInput(NAMES.connection, 'contoso'),
        );
        await dana.mutate('connections.updateSettings', {
          id: connectionId,
          settings: {
            legalEntities: {
              default: 'usmf',
              rules: [{ field: 'name', equals: NAMES.account, dataAreaId: 'demf' }],
              settings: {
                usmf: { customerGroupId: '10', currencyCode: 'USD' },
                demf: { customerGroupId: '20', currencyCode: 'EUR' },
              },
            },
          },
        });
        // The worker stopped the connection with a reason that quotes an account name.
        const statusReason = `Dataverse refused the account ${NAMES.account}.`;
        await database.db
          .update(schema.connections)
          .set({ status: 'error', statusReason, enabledAt: new Date() })
          .where(eq(schema.connections.id, connectionId));

        // Records as the sync stores them.
        const records = createRecordsRepository(database.db);
        // A won opportunity (Sales → F&O) that failed on a product not released.
        const opportunityId = randomUUID();
        const opportunity = await records.upsertPending({
          connectionId,
          direction: 'sales_to_fno',
          entity: 'opportunity',
          naturalKey: opportunityId,
          sourceId: opportunityId,
        });
        await records.start(opportunity.id);
        await records.describe(opportunity.id, {
          label: NAMES.opportunity,
          dealKey: `OPP-${opportunityId}`,
          targetDataAreaId: 'demf',
        });
        const notReleased = {
          code: 'product_not_released',
          message: `Product ${NAMES.product} (${NAMES.item}) is not released in demf.`,
          remedy: `Release ${NAMES.item} to legal entity demf in F&O, then replay the record.`,
        };
        const step = { correlationId: randomUUID(), startedAt: new Date(), durationMs: 12 };
        await records.appendEvent(opportunity.id, {
          ...step,
          stage: 'trigger',
          step: 'change',
          outcome: 'ok',
          input: { table: 'opportunity', id: opportunityId },
        });
        await records.appendEvent(opportunity.id, {
          ...step,
          stage: 'read',
          step: 'read-opportunity',
          outcome: 'ok',
          input: { table: 'opportunity', id: opportunityId },
          output: {
            label: NAMES.opportunity,
            customer: { table: 'account', id: randomUUID(), name: NAMES.account },
            lines: 1,
          },
        });
        await records.appendEvent(opportunity.id, {
          ...step,
          stage: 'validate',
          step: 'check-products-released',
          outcome: 'failed',
          input: { products: [{ number: NAMES.item, name: NAMES.product }], dataAreaId: 'demf' },
          error: notReleased,
        });
        await records.markFailed(opportunity.id, notReleased);

        // F&O → Sales: a released product written, and a customer Sales refused.
        const written = { correlationId: randomUUID(), startedAt: new Date(), durationMs: 40 };
        await records.recordBulk(
          { connectionId, direction: 'fno_to_sales', entity: 'product' },
          [
            {
              naturalKey: NAMES.item,
              sourceId: `usmf/${NAMES.item}`,
              label: NAMES.item,
              targetDataAreaId: 'usmf',
              input: { productnumber: NAMES.item, name: NAMES.product },
              ok: true,
              targetKey: randomUUID(),
              contentHash: 'h1',
            },
          ],
          { ...written, step: 'write-products' },
        );
        const refused = {
          code: 'invalid_value',
          message: `Sales refused the account ${NAMES.account}.`,
          remedy: `Rename ${NAMES.account} in F&O, then replay.`,
        };
        await records.recordBulk(
          { connectionId, direction: 'fno_to_sales', entity: 'customer' },
          [
            {
              naturalKey: `usmf/${NAMES.customerAccount}`,
              sourceId: `usmf/${NAMES.customerAccount}`,
              label: NAMES.customerAccount,
              targetDataAreaId: 'usmf',
              input: { accountnumber: NAMES.customerAccount, name: NAMES.account },
              ok: false,
              error: refused,
            },
          ],
          { ...written, step: 'write-accounts' },
        );
        const product = await records.findByNaturalKey({
          connectionId,
          direction: 'fno_to_sales',
          entity: 'product',
          naturalKey: NAMES.item,
        });
        const customer = await records.findByNaturalKey({
          connectionId,
          direction: 'fno_to_sales',
          entity: 'customer',
          naturalKey: `usmf/${NAMES.customerAccount}`,
        });
        if (!product || !customer) throw new Error('the bulk records were not stored');

        const header = [NAMES.person, NAMES.organisation];
        const base = `${baseUrl}/connections/${connectionId}`;
        const visits: Array<{ name: string; url: string; texts: string[]; json?: string[] }> = [
          { name: 'connections', url: `${baseUrl}/connections`, texts: [NAMES.connection, statusReason] },
          {
            name: 'dashboard',
            url: base,
            texts: [NAMES.connection, statusReason, `name = ${NAMES.account} → demf`],
          },
          {
            name: 'records',
            url: `${base}/records`,
            texts: [
              NAMES.connection,
              NAMES.opportunity,
              NAMES.item,
              NAMES.customerAccount,
              notReleased.message,
              refused.message,
            ],
          },
          // A search term from the URL goes back into the search box, never into the page.
          { name: 'records-search', url: `${base}/records?search=${encodeURIComponent(PWN.img)}`, texts: [] },
          {
            name: 'record-opportunity',
            url: `${base}/records/${opportunity.id}`,
            texts: [NAMES.opportunity, notReleased.message, notReleased.remedy],
            json: [NAMES.opportunity, NAMES.account, NAMES.item, NAMES.product, notReleased.message],
          },
          {
            name: 'record-product',
            url: `${base}/records/${product.id}`,
            texts: [NAMES.item],
            json: [NAMES.item, NAMES.product],
          },
          {
            name: 'record-customer',
            url: `${base}/records/${customer.id}`,
            texts: [NAMES.customerAccount, refused.message, refused.remedy],
            json: [NAMES.customerAccount, NAMES.account, refused.message],
          },
        ];
        for (const visit of visits) {
          await page.goto(visit.url);
          await expectTexts(page, [...header, ...visit.texts]);
          if (visit.name === 'records-search')
            expect(await page.getByLabel('Search', { exact: true }).inputValue()).toBe(PWN.img);
          if (visit.json) {
            await openAllDetails(page);
            for (const text of visit.json) await visible(page.locator('pre.json', { hasText: asJson(text) }));
          }
          await page.screenshot({ path: path.join(artifacts, `markup-${visit.name}.png`), fullPage: true });
          await expectInert(page, visit.name);
        }
        expect(pageErrors).toEqual([]);
        await context.close();
      } catch (error) {
        if (page) await page.screenshot({ path: path.join(artifacts, 'markup-failure.png') }).catch(() => {});
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
