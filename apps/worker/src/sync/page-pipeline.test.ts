import { describe, expect, it } from 'vitest';
import { writeInOrder } from './page-pipeline';

interface Page {
  n: number;
  exclusive?: boolean;
}

async function* pagesOf(pages: Page[], reads?: string[]): AsyncGenerator<Page> {
  try {
    for (const page of pages) {
      reads?.push(`read ${page.n}`);
      yield page;
    }
  } finally {
    reads?.push('source closed');
  }
}

/** A write per page that ends when the test says, recording what happened in order. */
function harness() {
  const events: string[] = [];
  const finish = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let active = 0;
  let maxActive = 0;
  const write = (page: Page) =>
    new Promise<number>((resolve, reject) => {
      active++;
      maxActive = Math.max(maxActive, active);
      events.push(`write ${page.n}`);
      finish.set(page.n, {
        resolve: () => {
          active--;
          resolve(page.n);
        },
        reject: (error) => {
          active--;
          reject(error);
        },
      });
    });
  const steps = {
    start: async (page: Page) => {
      events.push(`prepare ${page.n}`);
      return () => write(page);
    },
    commit: async (n: number) => {
      events.push(`commit ${n}`);
    },
    exclusive: (page: Page) => page.exclusive === true,
  };
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
  return { events, finish, steps, tick, maxActive: () => maxActive };
}

describe('writeInOrder', () => {
  it('writes two pages at once and commits in read order, even when a later page ends first', async () => {
    const h = harness();
    const run = writeInOrder(pagesOf([{ n: 1 }, { n: 2 }, { n: 3 }]), h.steps);
    await h.tick();
    expect(h.events).toEqual(['prepare 1', 'write 1', 'prepare 2', 'write 2']);
    h.finish.get(2)?.resolve();
    await h.tick();
    expect(h.events).not.toContain('commit 2');
    h.finish.get(1)?.resolve();
    await h.tick();
    // Page 2 had ended: its commit follows at once, while page 3 is being written.
    expect(h.events.slice(4)).toEqual(['commit 1', 'prepare 3', 'write 3', 'commit 2']);
    h.finish.get(3)?.resolve();
    await run;
    expect(h.events.slice(8)).toEqual(['commit 3']);
    expect(h.maxActive()).toBe(2);
  });

  it('writes an exclusive page alone: after every page before it, before any page after it', async () => {
    const h = harness();
    const run = writeInOrder(pagesOf([{ n: 1 }, { n: 2, exclusive: true }, { n: 3 }]), h.steps);
    await h.tick();
    expect(h.events).toEqual(['prepare 1', 'write 1']);
    h.finish.get(1)?.resolve();
    await h.tick();
    expect(h.events.slice(2)).toEqual(['commit 1', 'prepare 2', 'write 2']);
    h.finish.get(2)?.resolve();
    await h.tick();
    expect(h.events.slice(5)).toEqual(['commit 2', 'prepare 3', 'write 3']);
    h.finish.get(3)?.resolve();
    await run;
    expect(h.maxActive()).toBe(1);
  });

  it('commits nothing from a failed page on, lets the page being written finish, and throws the failure', async () => {
    const h = harness();
    const run = writeInOrder(pagesOf([{ n: 1 }, { n: 2 }, { n: 3 }]), h.steps);
    const outcome = run.then(
      () => undefined,
      (error: Error) => error,
    );
    await h.tick();
    h.finish.get(1)?.reject(new Error('page 1 refused'));
    await h.tick();
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    await h.tick();
    // Page 2 is still being written: the run waits for it before it reports the failure.
    expect(settled).toBe(false);
    h.finish.get(2)?.resolve();
    expect((await outcome)?.message).toBe('page 1 refused');
    expect(h.events).toEqual(['prepare 1', 'write 1', 'prepare 2', 'write 2']);
  });

  it('reads a page only when it can be written at once, and closes the source after a failure', async () => {
    const h = harness();
    const run = writeInOrder(pagesOf([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }], h.events), h.steps);
    const outcome = run.then(
      () => undefined,
      (error: Error) => error,
    );
    await h.tick();
    // Two pages being written: page 3 stays in the source (not read, compared and held) until one ends.
    expect(h.events).toEqual(['read 1', 'prepare 1', 'write 1', 'read 2', 'prepare 2', 'write 2']);
    h.finish.get(1)?.resolve();
    await h.tick();
    expect(h.events.slice(6)).toEqual(['commit 1', 'read 3', 'prepare 3', 'write 3']);
    h.finish.get(2)?.reject(new Error('page 2 refused'));
    h.finish.get(3)?.resolve();
    expect((await outcome)?.message).toBe('page 2 refused');
    expect(h.events.slice(10)).toEqual(['source closed']);
  });
});
