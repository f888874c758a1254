import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorContext } from '../src/index';
import { type DataverseSandbox, startDataverseSandbox, webApi } from './dataverse-sandbox';

/**
 * The Dataverse budget keeps as many requests in flight as the environment recommends in
 * `x-ms-dop-hint`, read from the sandbox's responses over HTTPS, and follows it when it changes.
 */

let sb: DataverseSandbox;
let ctx: ConnectorContext;

beforeAll(async () => {
  sb = await startDataverseSandbox();
  ({ ctx } = sb.context());
});

afterAll(async () => {
  await sb?.close();
});

describe('dataverse degree of parallelism', () => {
  it('follows the x-ms-dop-hint of the responses', async () => {
    const budget = ctx.http.budgets.forHost(new URL(sb.dataverseUrl).host);
    expect(budget.maxConcurrency).toBe(8);
    await webApi(ctx.http, sb.dataverseUrl).rows('accounts?$select=name&$top=1');
    expect(budget.maxConcurrency).toBe(16);
    await sb.control.limits({ enabled: false, dopHint: 4 });
    await webApi(ctx.http, sb.dataverseUrl).rows('accounts?$select=name&$top=1');
    expect(budget.maxConcurrency).toBe(4);
  });
});
