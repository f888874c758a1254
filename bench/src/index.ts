// Public surface of the bench harness, shared with the soak scenarios (`soak/`).
export { type BenchEnv, readBenchEnv } from './env';
export {
  type BenchHarness,
  type ChildWorker,
  type HarnessOptions,
  machine,
  quietLogger,
  type Row,
  sleep,
  startBenchHarness,
} from './harness';
export {
  benchSettings,
  createAccounts,
  createOrder,
  type OrderCatalog,
  orderCatalog,
  percentile,
  summary,
  waitForOrders,
} from './orders';
