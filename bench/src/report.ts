import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from './harness';

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

export interface Figure {
  figure: string;
  value: string | number;
  target?: string;
  /** true / false when there is a target; undefined otherwise. */
  met?: boolean;
}

export interface BenchResult {
  scenario: string;
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  /** Load average (1 min) at the end of the run. */
  loadAtEnd: number[];
  parameters: Record<string, unknown>;
  figures: Figure[];
  details: Record<string, unknown>;
}

export function printTable(result: BenchResult) {
  const rows = result.figures.map((f) => [
    f.figure,
    String(f.value),
    f.target ?? '',
    f.met === undefined ? '' : f.met ? 'yes' : 'NO',
  ]);
  const header = ['figure', 'value', 'target', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const m = result.machine;
  console.log(
    `\n${result.scenario} — ${m.cores} cores (${m.cpuModel}), Node ${m.node}, commit ${m.commit}${m.dirty ? '+changes' : ''}, load ${m.loadavg.join(' ')} at start, ${result.loadAtEnd.join(' ')} at end, ${result.durationSeconds} s`,
  );
  console.log(`parameters: ${JSON.stringify(result.parameters)}`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

export async function writeResult(result: BenchResult): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const stamp = result.startedAt.replaceAll(':', '').replace(/\.\d+Z$/, 'Z');
  const file = path.join(resultsDir, `${result.scenario}-${stamp}.json`);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(path.join(resultsDir, `latest-${result.scenario}.json`), text);
  return file;
}
