import { FlowRegistry } from '../engine/flow';
import type { SyncRuntime } from './runtime';
import { salesOrderToFno, wonOpportunityToFno } from './sales-deal-to-fno';

export { ReleasedItemCache } from './released-items';
export type { SyncRuntime } from './runtime';

/** Every flow the worker runs. A new system or entity adds its flows here; the engine stays as it is. */
export function createFlowRegistry(): FlowRegistry<SyncRuntime> {
  return new FlowRegistry<SyncRuntime>([salesOrderToFno, wonOpportunityToFno]);
}
