import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { HttpClientOptions } from '../src/index';

/**
 * Records which calls the connectors make while their integration tests run, for the contract
 * tests' coverage gate (`contract-tests/`): every request a harness client sends is appended to
 * `<run>/requests-<pid>.jsonl` as `{ method, path, query: [option names], file }` (no query
 * values, headers or bodies), where `<run>` is this run's own folder under
 * `MLC_RECORD_REQUESTS/runs/`, made by `global-setup.ts` and handed over in
 * `MLC_RECORD_REQUESTS_RUN`. Requests a test makes to set up or inspect the sandbox (`webApi`,
 * `asTestSetup`) are not connector calls and are left out.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string[];
  file: string;
}

const setupScope = new AsyncLocalStorage<true>();

/** Runs `fn` as test set-up: its requests are not recorded. */
export function asTestSetup<T>(fn: () => Promise<T>): Promise<T> {
  return setupScope.run(true, fn);
}

export function requestRecorder(): HttpClientOptions['onRequest'] {
  const dir = process.env['MLC_RECORD_REQUESTS_RUN'];
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `requests-${process.pid}.jsonl`);
  const seen = new Set<string>();
  return ({ method, url }) => {
    if (setupScope.getStore()) return;
    const testPath = expect.getState().testPath ?? '';
    const entry: RecordedRequest = {
      method,
      path: url.pathname,
      query: [...new Set(url.searchParams.keys())].sort(),
      file: path.basename(testPath),
    };
    const line = JSON.stringify(entry);
    if (seen.has(line)) return;
    seen.add(line);
    appendFileSync(file, `${line}\n`);
  };
}
