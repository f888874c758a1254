import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Call } from './templates';

/**
 * The recordings of the connectors' integration tests (`packages/connectors/test/global-setup.ts`
 * and `request-recorder.ts`): each run has its folder `<root>/runs/<started>-<pid>/` with
 * `requests-<pid>.jsonl` files (one call a line) and, once it ended, `complete.json`. A run is
 * `full` when it ran every integration test file with no name filter. The coverage gate reads the
 * latest full run: a partial run (one file, `-t`) after it does not hide calls from the gate, and
 * an unfinished run is never read.
 */
export interface RunSummary {
  finishedAt: string;
  full: boolean;
  testFiles: number;
  ran: string[];
  missing: string[];
  testNamePattern?: string;
  failedTests: number;
}

/** `complete.json`, when it has the fields the gate needs (zod is not a dependency here). */
function readSummary(file: string): RunSummary | undefined {
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof value !== 'object' || value === null) return undefined;
  const summary = value as Partial<RunSummary>;
  const valid =
    typeof summary.finishedAt === 'string' &&
    !Number.isNaN(Date.parse(summary.finishedAt)) &&
    typeof summary.full === 'boolean' &&
    Array.isArray(summary.ran) &&
    Array.isArray(summary.missing);
  return valid ? (summary as RunSummary) : undefined;
}

function isCall(value: unknown): value is Call {
  const call = value as Partial<Call> | null;
  return typeof call?.method === 'string' && typeof call.path === 'string';
}

export interface Recording {
  dir: string;
  summary: RunSummary;
  calls: Call[];
}

/** No full run has finished in the recording folder. */
export class NoFullRecordingError extends Error {
  override readonly name = 'NoFullRecordingError';
  constructor(
    readonly root: string,
    readonly partialRuns: number,
  ) {
    super(
      `No complete, full recording of the connectors' integration tests in ${root}` +
        (partialRuns > 0 ? ` (only ${partialRuns} partial ${partialRuns === 1 ? 'run' : 'runs'})` : '') +
        ': run all of them first (npx turbo run test --filter=@mlc/contract-tests does), with the same MLC_RECORD_REQUESTS.',
    );
  }
}

/** The latest finished full run under `root`, with every call it recorded. */
export function latestFullRecording(root: string): Recording {
  const runs = path.join(root, 'runs');
  const finished = (existsSync(runs) ? readdirSync(runs) : []).flatMap((name) => {
    const dir = path.join(runs, name);
    const file = path.join(dir, 'complete.json');
    if (!existsSync(file)) return [];
    const summary = readSummary(file);
    return summary ? [{ dir, summary }] : [];
  });
  const full = finished
    .filter((run) => run.summary.full)
    .sort((a, b) => Date.parse(b.summary.finishedAt) - Date.parse(a.summary.finishedAt));
  const latest = full[0];
  if (!latest) throw new NoFullRecordingError(root, finished.length);
  return { ...latest, calls: readCalls(latest.dir) };
}

function readCalls(dir: string): Call[] {
  const calls: Call[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const call: unknown = JSON.parse(line);
      if (!isCall(call)) throw new Error(`${path.join(dir, name)}: not a recorded call: ${line}`);
      calls.push({ method: call.method, path: call.path });
    }
  }
  return calls;
}
