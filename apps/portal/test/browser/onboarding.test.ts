import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { dbTest } from '@mlc/db/testing';
import { FNO_SEED_FACTS } from '@mlc/sandbox';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  createAccount,
  createOrder,
  createWonOpportunity,
  fnoSalesOrder,
  missingPrerequisite,
  type RunningProduct,
  releasedProduct,
  releaseProduct,
  startProduct,
} from './product';

/**
 * The product as an admin meets it, in a real browser against the built portal: sign up, onboard
 * the sandbox, live ping, enable; a won opportunity appears in the records browser with its F&O
 * order number; an order with a product not released in usmf fails with its remedy, and syncs on
 * Replay once the product is released. Screenshots of each step go to `artifacts/`.
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

/** Waits until the (first) element is visible. */
async function visible(locator: Locator, timeout = 10_000) {
  await locator.first().waitFor({ state: 'visible', timeout });
}

/** An input's value once it has one (the form fills asynchronously). */
async function inputValueOf(locator: Locator, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await locator.inputValue();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

describe('the portal in a browser', () => {
  dbTest(
    'sign up, onboard the sandbox, see orders sync, fix a failed one and replay it',
    async ({ database }) => {
      let product: RunningProduct | undefined;
      let page: Page | undefined;
      try {
        product = await startProduct(database.url);
        const p = product;
        const context = await (browser as Browser).newContext({
          viewport: { width: 1280, height: 900 },
          reducedMotion: 'reduce',
        });
        page = await context.newPage();
        const consoleErrors: string[] = [];
        page.on('pageerror', (error) => consoleErrors.push(String(error)));
        const stamp = Date.now().toString(36);

        // 1. Sign up: the new workspace has no connection yet, and says what to do.
        await page.goto(`${p.baseUrl}/sign-up`);
        await page.getByLabel('Your name').fill('Dana Admin');
        await page.getByLabel('Organisation').fill('Kestrel Distribution');
        await page.getByLabel('Work email').fill(`dana-${stamp}@kestrel.example`);
        await page.getByLabel('Password').fill('correct horse battery staple');
        await shot(page, '01-sign-up');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL(`${p.baseUrl}/connections`);
        await visible(page.getByRole('heading', { name: 'Connect your Dynamics environments' }));
        await visible(page.getByText('Kestrel Distribution'));
        await shot(page, '02-empty-connections');

        // 2. The wizard, filled from the sandbox.
        await page.getByRole('link', { name: 'Connect your Dynamics environments' }).click();
        await page.waitForURL(/\/connections\/new$/);
        await page.getByRole('button', { name: 'Use the sandbox' }).click();
        expect(await inputValueOf(page.getByLabel('Sales environment URL'))).toMatch(
          p.sandbox.urls.dataverse,
        );
        await shot(page, '03-wizard-sales');
        await page.getByRole('button', { name: 'Next: Finance & Operations' }).click();
        expect(await inputValueOf(page.getByLabel('F&O environment URL'))).toMatch(p.sandbox.urls.fno);
        await page.getByRole('button', { name: 'Next: Mapping' }).click();
        await visible(page.getByRole('heading', { name: '3. Mapping settings' }));
        // Orders only: the F&O → Sales initial loads are not what this test is about.
        for (const flow of [
          /^Products \(F&O → Sales\)/,
          /^Prices \(F&O → Sales\)/,
          /^Customers \(F&O → Sales\)/,
        ])
          await page.getByRole('checkbox', { name: flow }).uncheck();
        await shot(page, '04-wizard-mapping');

        // 3. Live ping: each check with pass/fail, detail, and for a failure the remedy.
        await page.getByRole('button', { name: 'Save and run the live ping' }).click();
        await visible(page.getByRole('heading', { name: '4. Live ping' }), 20_000);
        const outcome = page.getByText(/^All \d+ checks passed$|^\d+ of \d+ checks failed$/);
        await visible(outcome, 60_000);
        await shot(page, '05-live-ping');
        const failedChecks = page.getByRole('list', { name: 'Failed checks' }).getByRole('listitem');
        for (const check of await failedChecks.all())
          expect((await check.textContent()) ?? '').toContain('How to fix:');

        // 4. Enable: the webhook and business-events URLs (with its code) to paste into F&O; the
        //    ping runs again and now passes (enabling created what a fresh environment lacks).
        await page.getByRole('button', { name: 'Next: Enable' }).click();
        await page.getByRole('button', { name: 'Enable sync' }).click();
        await visible(page.getByText('Sync is enabled', { exact: true }), 60_000);
        expect(await inputValueOf(page.getByRole('textbox', { name: 'Business-events URL (F&O)' }))).toMatch(
          /code=/,
        );
        expect(await inputValueOf(page.getByRole('textbox', { name: 'Webhook URL (Sales)' }))).toMatch(
          new RegExp(`^${p.baseUrl}/`),
        );
        const recheck = page.getByText(/^All \d+ checks passed$|^\d+ of \d+ checks failed$/);
        await visible(recheck, 60_000);
        await shot(page, '06-enabled');
        expect(await recheck.textContent(), (await page.locator('main').textContent()) ?? '').toMatch(
          /^All \d+ checks passed$/,
        );

        await page.getByRole('link', { name: 'Open the dashboard' }).click();
        await visible(page.getByRole('heading', { name: 'Health' }));
        await visible(page.getByText('Running', { exact: true }).first());
        await shot(page, '07-dashboard');

        // 5. A won opportunity appears in the records browser, synced, with its F&O order number.
        await page.getByRole('link', { name: 'Records', exact: true }).click();
        await visible(page.getByRole('heading', { name: 'Records', level: 1 }));
        const accountId = await createAccount(p, `Cedar Ridge Hydraulics ${stamp}`);
        const dealName = `Deal <b>${stamp}</b> & <script>x</script>`;
        const wonAt = Date.now();
        await createWonOpportunity(p, accountId, dealName, [{ product: 'IE-10001', quantity: 3 }]);
        const dealRow = page.getByRole('row').filter({ hasText: dealName });
        await visible(dealRow.getByText('Synced'), 30_000);
        const seenAfterMs = Date.now() - wonAt;
        const fnoKey = (await dealRow.locator('td.mono').textContent())?.trim() ?? '';
        expect(fnoKey).toMatch(/\S/);
        expect(fnoKey).not.toBe('—');
        expect(await fnoSalesOrder(p, fnoKey)).toMatchObject({
          dataAreaId: 'usmf',
          SalesOrderNumber: fnoKey,
        });
        // Markup in a name is text, never markup.
        expect(await page.locator('table b, table script').count()).toBe(0);
        await shot(page, '08-records-synced');
        expect(seenAfterMs).toBeLessThan(30_000);

        // 6. An order with a product not released in usmf fails, with the reason and the remedy.
        const item = FNO_SEED_FACTS.demfOnlyItem;
        expect(await releasedProduct(p, 'usmf', item)).toBeUndefined();
        const order = await createOrder(p, accountId, [
          { product: 'IE-10001', quantity: 1 },
          { product: item, quantity: 6 },
        ]);
        await page.getByLabel('Search', { exact: true }).fill(order.orderNumber);
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        const orderRow = page.getByRole('row').filter({ hasText: order.orderNumber });
        await visible(orderRow.getByText('Failed'), 30_000);
        await shot(page, '09-records-failed');
        await orderRow.getByRole('link', { name: order.orderNumber }).click();
        const why = page.getByRole('alert').filter({ hasText: 'Why it failed' });
        await visible(why);
        expect((await why.textContent()) ?? '').toMatch(item);
        expect((await why.textContent()) ?? '').toMatch('usmf');
        expect((await why.textContent()) ?? '').toMatch(/What to do: .*Release/);
        await visible(page.getByRole('heading', { name: 'Timeline' }));
        await shot(page, '10-record-failed');

        // 7. Someone releases the product in usmf; the admin presses Replay and sees it synced.
        expect(await releaseProduct(p, item, 'demf', 'usmf')).toBe(201);
        await page.getByRole('button', { name: 'Replay', exact: true }).click();
        await visible(page.getByText('Replayed: the record is synced.'), 30_000);
        const replayedKey = (await page.locator('dt:has-text("F&O key") + dd').textContent())?.trim() ?? '';
        expect(await fnoSalesOrder(p, replayedKey)).toMatchObject({ dataAreaId: 'usmf' });
        await page.getByRole('alert').filter({ hasText: 'Why it failed' }).waitFor({ state: 'detached' });
        await visible(page.getByRole('heading', { name: /^Run \d+ \(latest\): \d+ steps OK/ }));
        await shot(page, '11-record-replayed');

        // The dashboard now has figures to show.
        await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link').nth(1).click();
        await visible(page.getByRole('heading', { name: 'Figures' }));
        await visible(page.getByText('Throughput and failures'));
        await shot(page, '12-dashboard-figures');

        // On a phone, the records browser still works (the table scrolls on its own); the keyboard
        // starts at the skip link.
        await page.setViewportSize({ width: 390, height: 844 });
        await page.getByRole('link', { name: 'Records', exact: true }).click();
        await page.waitForURL(/\/records$/);
        await page.reload();
        const phoneRow = page.getByRole('row').filter({ hasText: order.orderNumber });
        await visible(phoneRow.getByText('Synced'), 15_000);
        await shot(page, '13-records-phone');
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');

        // Sign out from the header.
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL(/\/sign-in/);
        await shot(page, '14-signed-out');
        expect(consoleErrors).toEqual([]);
        await context.close();
      } catch (error) {
        if (page) await shot(page, 'failure').catch(() => undefined);
        const output = product?.portalOutput() ?? '';
        if (error instanceof Error && output) error.message += `\n--- portal output ---\n${output}`;
        throw error;
      } finally {
        await product?.close();
      }
    },
    240_000,
  );
});
