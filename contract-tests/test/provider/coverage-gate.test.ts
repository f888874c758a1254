import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestFullRecording } from '../../src/recording';
import { type Call, callKey, uncoveredCalls } from '../../src/templates';
import { batchPactFile, pactFile, repoRoot } from '../support/paths';

/**
 * The coverage gate: every (method, path template) the connectors sent while their integration
 * tests ran against the sandbox (recorded by their test harness, `packages/connectors/test/
 * request-recorder.ts`, into a folder per run under `MLC_RECORD_REQUESTS`, by default
 * `node_modules/.cache/mlc-requests`) must be pinned by an interaction of the Dataverse or F&O
 * pacts. The gate reads the latest full run (every integration test file, no name filter;
 * `src/recording.ts`), so a later partial run cannot hide calls from it. turbo runs
 * `@mlc/connectors#test` before this package's tests (`contract-tests/turbo.json`).
 */
const recordDir =
  process.env['MLC_RECORD_REQUESTS'] || path.join(repoRoot, 'node_modules', '.cache', 'mlc-requests');

/**
 * Calls the connectors make that no pact pins YET (the first pass of issue #8 pinned the others).
 * A ratchet, not an allow-list: the gate fails for any call not pinned and not listed here (a new
 * call cannot slip in), and fails when a listed call becomes pinned or is no longer made (remove
 * it from this list). Shrink it by adding consumer tests; see README.md "Coverage gate".
 */
const NOT_YET_PINNED: string[] = [];

function pinnedCalls(): Call[] {
  const calls: Call[] = [];
  for (const file of ['dataverse', 'fno'].flatMap((provider) => [
    pactFile(provider),
    batchPactFile(provider),
  ])) {
    const pact = JSON.parse(readFileSync(file, 'utf8')) as {
      interactions: { request: { method: string; path: string } }[];
    };
    for (const { request } of pact.interactions) calls.push({ method: request.method, path: request.path });
  }
  return calls;
}

describe('coverage gate', () => {
  it("pins every call the connectors' integration tests sent", () => {
    const recorded = latestFullRecording(recordDir).calls;
    expect(recorded.length).toBeGreaterThan(0);
    const pinned = pinnedCalls();
    const missing = uncoveredCalls(recorded, pinned).filter((key) => !NOT_YET_PINNED.includes(key));
    expect(
      missing,
      `calls the connectors make that no pact interaction pins (add a consumer test for each):\n${missing.join('\n')}`,
    ).toEqual([]);
    const recordedKeys = new Set(recorded.map(callKey));
    const pinnedKeys = new Set(pinned.map(callKey));
    const stale = NOT_YET_PINNED.filter((key) => pinnedKeys.has(key) || !recordedKeys.has(key));
    expect(stale, `pinned now, or no longer made: remove from NOT_YET_PINNED:\n${stale.join('\n')}`).toEqual(
      [],
    );
    // For the report: how many distinct calls were checked.
    expect(new Set(recorded.map(callKey)).size).toBeGreaterThan(10);
  });
});
