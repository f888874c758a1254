import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, type FnoSandbox, startFnoSandbox, testSetup } from '../../test/fno-sandbox';
import type { CompareStateStore } from '../core/compare-state';
import { memoryCompareState } from '../core/compare-state';
import type { ConnectorContext } from '../core/context';
import { ConnectorError } from '../core/errors';
import { readStream } from '../core/host';
import type { HttpClient, HttpRequest } from '../http/client';
import type { FnoConfig } from './config';
import { fnoConnector } from './connector';
import type { FullCompareCheckpoint } from './full-compare';

/**
 * The full-compare read prefetches: once a page has arrived, the next page of the segment is
 * requested while this one is compared and yielded (at most one page ahead), with the same records
 * and checkpoints as a read page by page. Against the sandbox's F&O over HTTPS (as
 * `test/fno-sources.test.ts`), with the connector's HTTP client wrapped to see (or fail) the
 * requests the read makes.
 */

let sb: FnoSandbox;
const PAGE = 200;

beforeAll(async () => {
  // About 700 released products per legal entity: several pages of 200 for demf.
  sb = await startFnoSandbox({ maxPageSize: PAGE, products: 700 });
});

afterAll(async () => {
  await sb?.close();
});

/** Rejections nobody handled while a test ran (the prefetch must never leave one behind). */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  unhandled.length = 0;
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** A URL as the WHATWG parser writes it (next links come back with `'` percent-encoded). */
const href = (url: string | URL | undefined): string => new URL(String(url)).href;

/**
 * The context with its HTTP client wrapped: every request's URL is listed in `urls` when it is
 * issued, and `fail(index)` may turn the request of that index into a rejection instead.
 */
function watched(
  ctx: ConnectorContext,
  fail: (index: number) => Promise<never> | undefined = () => undefined,
): { ctx: ConnectorContext; urls: string[] } {
  const urls: string[] = [];
  const inner = ctx.http;
  const http: HttpClient = {
    request<T>(req: HttpRequest<T>) {
      urls.push(href(req.url));
      return fail(urls.length - 1) ?? inner.request(req);
    },
    warmUp: (url, options) => inner.warmUp(url, options),
    authenticate: (url, options) => inner.authenticate(url, options),
    isWarm: (origin) => inner.isWarm(origin),
    get budgets() {
      return inner.budgets;
    },
    close: () => inner.close(),
  };
  return { ctx: { ...ctx, http }, urls };
}

type Page = { records: unknown[]; checkpoint: unknown; meta?: unknown };

function read(
  ctx: ConnectorContext,
  config: FnoConfig,
  checkpoint?: unknown,
  state: CompareStateStore = memoryCompareState(),
): AsyncGenerator<Page> {
  return readStream(fnoConnector, 'releasedProducts', ctx, config, checkpoint, { state });
}

/** The pages of a query as F&O serves them, following `@odata.nextLink` (test set-up requests). */
interface ServedPage {
  value: { dataAreaId: string; ItemNumber: string }[];
  '@odata.nextLink'?: string;
}

async function pagesOf(ctx: ConnectorContext, url: string): Promise<{ keys: string[]; next?: string }[]> {
  const pages: { keys: string[]; next?: string }[] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const { body }: { body: ServedPage } = await testSetup(ctx).request<ServedPage>({
      method: 'GET',
      url: next,
    });
    next = body['@odata.nextLink'];
    pages.push({
      keys: body.value.map(
        (row) => `ReleasedProductsV2(dataAreaId='${row.dataAreaId}',ItemNumber='${row.ItemNumber}')`,
      ),
      ...(next ? { next: href(next) } : {}),
    });
  }
  return pages;
}

/** The page of an iterator step (the read has not ended). */
function pageOf(step: IteratorResult<Page>): Page {
  if (step.done) throw new Error('the read ended');
  return step.value;
}

const keysOf = (records: unknown[]) => records.map((record) => (record as { key: string }).key);

/** Lets the event loop run (pending requests, unhandled-rejection reports). */
const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

describe('full-compare prefetch (sandbox, HTTPS)', () => {
  it('yields the same records and checkpoints as F&O serves the pages, one request per page', async () => {
    const base = sb.context(undefined, { readScope: ['demf'] });
    const { ctx, urls } = watched(base.ctx);
    const state = memoryCompareState();
    const first = await collect(read(ctx, base.config, undefined, state));
    const served = await pagesOf(base.ctx, urls[0] as string);
    expect(served.length).toBeGreaterThanOrEqual(3);

    // Every page requested once, in order: the first page, then each page's next link.
    expect(urls).toEqual([urls[0], ...served.slice(0, -1).map((page) => page.next)]);
    expect(first.pages).toBe(served.length);
    expect(keysOf(first.records)).toEqual(served.flatMap((page) => page.keys));
    // The checkpoint of page N points at page N+1 (a resume reads it again); the last closes the pass.
    const checkpoints = first.checkpoints as FullCompareCheckpoint[];
    expect(checkpoints.map((c) => [c.segment, c.nextLink && href(c.nextLink), c.complete])).toEqual(
      served.map((page, index) => (index < served.length - 1 ? [0, page.next, false] : [1, null, true])),
    );

    // A later pass, stopped after two pages and resumed from its checkpoint: the resume's first
    // request is page 3 (although the stopped read had prefetched it), and nothing changed.
    const done = first.checkpoints.at(-1);
    const partial = watched(base.ctx);
    const stopped = await collect(read(partial.ctx, base.config, done, state), 2);
    expect(partial.urls).toEqual([urls[0], served[0]?.next, served[1]?.next]);
    const stored = JSON.parse(JSON.stringify(stopped.checkpoints.at(-1))) as FullCompareCheckpoint;
    expect(href(stored.nextLink ?? undefined)).toBe(served[1]?.next);
    const resumed = watched(base.ctx);
    const rest = await collect(read(resumed.ctx, base.config, stored, state));
    expect(resumed.urls[0]).toBe(served[1]?.next);
    expect(rest.pages).toBe(served.length - 2);
    expect([...stopped.records, ...rest.records]).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('requests the next page before the consumer asks for it, and never more than one ahead', async () => {
    const base = sb.context(undefined, { readScope: ['demf'] });
    const { ctx, urls } = watched(base.ctx);
    const pages = read(ctx, base.config);
    const first = await pages.next();
    const checkpoint = pageOf(first).checkpoint as FullCompareCheckpoint;
    // Page 2's request went out while page 1 was compared and handed over.
    expect(urls).toHaveLength(2);
    expect(urls[1]).toBe(href(checkpoint.nextLink ?? undefined));
    await settle();
    expect(urls).toHaveLength(2);

    // Asking for page 2 takes the prefetched page (no new request for it) and prefetches page 3.
    const second = await pages.next();
    expect(href((pageOf(second).checkpoint as FullCompareCheckpoint).nextLink ?? undefined)).toBe(urls[2]);
    expect(urls).toHaveLength(3);
    await pages.return(undefined);
    await settle();
    expect(urls).toHaveLength(3);
    expect(unhandled).toEqual([]);
  });

  it('a prefetch that fails is the error of the next page, not an unhandled rejection', async () => {
    const base = sb.context(undefined, { readScope: ['demf'] });
    const failure = new ConnectorError('upstream_unavailable', 'Page 2 failed (test).');
    const { ctx, urls } = watched(base.ctx, (index) => (index === 1 ? Promise.reject(failure) : undefined));
    const pages = read(ctx, base.config);
    const first = await pages.next();
    expect(pageOf(first).records).toHaveLength(PAGE);
    expect(urls).toHaveLength(2);
    // The rejection has been there all along; the consumer sees it only when it asks for page 2.
    await settle();
    expect(unhandled).toEqual([]);
    await expect(pages.next()).rejects.toBe(failure);
    expect(urls).toHaveLength(2);
  });

  it('a consumer that stops early leaves no unhandled rejection behind (prefetch failing later)', async () => {
    const base = sb.context(undefined, { readScope: ['demf'] });
    const failure = new ConnectorError('upstream_unavailable', 'Page 2 failed after the stop (test).');
    const late = (): Promise<never> => new Promise((_, reject) => setTimeout(() => reject(failure), 50));
    const { ctx, urls } = watched(base.ctx, (index) => (index === 1 ? late() : undefined));
    for await (const page of read(ctx, base.config)) {
      expect(page.records).toHaveLength(PAGE);
      break;
    }
    expect(urls).toHaveLength(2);
    await settle();
    expect(unhandled).toEqual([]);
  });
});
