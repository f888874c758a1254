/**
 * Commit times taken by the sandbox in this process: a CRM order's creation and each change of it
 * in the Dataverse store, and the creation of the F&O sales order header that carries its number.
 * The lag of an order is from its CRM creation to its F&O header's creation.
 */
import type { BenchHarness } from '@mlc/bench';

export interface Timeline {
  /** CRM order number → creation instant (epoch ms). */
  crmCreated: Map<string, number>;
  /** `CustomersOrderReference` → instant of each F&O header create with it. */
  fnoCreated: Map<string, number[]>;
  /** Longest CRM → F&O lag among the orders that reached F&O, ms. */
  longestLagMs(): number;
  stop(): void;
}

export async function startTimeline(h: BenchHarness): Promise<Timeline> {
  const crmCreated = new Map<string, number>();
  const fnoCreated = new Map<string, number[]>();
  const store = await h.sandbox.dataverse.currentStore();
  const detachDv = store.onChange((event) => {
    if (event.entity !== 'salesorder' || event.operation !== 'create') return;
    const number = String(event.after?.values['ordernumber'] ?? '');
    if (number) crmCreated.set(number, Date.now());
  });
  const detachFno = h.sandbox.fno.onChange((changes) => {
    for (const change of changes) {
      if (change.entitySet !== 'SalesOrderHeadersV2' || change.operation !== 'create') continue;
      const reference = String(change.values['CustomersOrderReference'] ?? '');
      if (!reference) continue;
      const list = fnoCreated.get(reference) ?? [];
      list.push(change.at.getTime());
      fnoCreated.set(reference, list);
    }
  });
  return {
    crmCreated,
    fnoCreated,
    longestLagMs() {
      let longest = 0;
      for (const [number, at] of crmCreated) {
        const first = fnoCreated.get(number)?.[0];
        if (first !== undefined) longest = Math.max(longest, first - at);
      }
      return longest;
    },
    stop() {
      detachDv();
      detachFno();
    },
  };
}
