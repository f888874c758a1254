/**
 * `npm run bench -- <scenario> [--flag value …]`: runs one benchmark against the sandbox, prints a
 * table and writes `bench/results/<scenario>-<time>.json` (and `latest-<scenario>.json`).
 */
import { loadavg } from 'node:os';
import { readBenchEnv } from './env';
import { machine } from './harness';
import { type BenchResult, printTable, writeResult } from './report';
import { runCallsPerOrder } from './scenarios/calls-per-order';
import { runCatalog } from './scenarios/catalog';
import { runOrderLatency } from './scenarios/order-latency';
import { runScaleOut } from './scenarios/scale-out';

export type Flags = Record<string, string>;
export type Scenario = (
  env: ReturnType<typeof readBenchEnv>,
  flags: Flags,
) => Promise<Pick<BenchResult, 'parameters' | 'figures' | 'details'>>;

const scenarios: Record<string, Scenario> = {
  'order-latency': runOrderLatency,
  'calls-per-order': runCallsPerOrder,
  'catalog-initial-load': runCatalog,
  'scale-out': runScaleOut,
};

const [name, ...rest] = process.argv.slice(2);
const scenario = name ? scenarios[name] : undefined;
if (!name || !scenario) {
  console.error(`usage: npm run bench -- <${Object.keys(scenarios).join('|')}> [--flag value …]`);
  process.exit(2);
}
const flags: Flags = {};
for (let i = 0; i < rest.length; i += 1) {
  const flag = rest[i] ?? '';
  if (!flag.startsWith('--')) continue;
  const value = rest[i + 1];
  if (value === undefined || value.startsWith('--')) flags[flag.slice(2)] = 'true';
  else {
    flags[flag.slice(2)] = value;
    i += 1;
  }
}

const env = readBenchEnv();
const startedAt = new Date();
const box = machine();
console.log(`${name}: starting (load ${box.loadavg.join(' ')}, ${box.cores} cores, Node ${box.node})`);
const outcome = await scenario(env, flags);
const result: BenchResult = {
  scenario: name,
  startedAt: startedAt.toISOString(),
  durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  machine: box,
  loadAtEnd: loadavg().map((value) => Math.round(value * 100) / 100),
  ...outcome,
};
printTable(result);
const file = await writeResult(result);
console.log(`\nwritten: ${file}`);
process.exit(0);
