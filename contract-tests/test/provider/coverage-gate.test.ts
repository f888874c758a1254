import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Call, callKey, uncoveredCalls } from '../../src/templates';
import { pactFile, repoRoot } from '../support/paths';

/**
 * The coverage gate: every (method, path template) the connectors sent while their integration
 * tests ran against the sandbox (recorded by their test harness, `packages/connectors/test/
 * request-recorder.ts`, into `MLC_RECORD_REQUESTS`, by default `node_modules/.cache/mlc-requests`)
 * must be pinned by an interaction of the Dataverse or F&O pact. turbo runs
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

function recordedCalls(): Call[] {
  const calls: Call[] = [];
  for (const name of readdirSync(recordDir)) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(path.join(recordDir, name), 'utf8').split('\n')) {
      if (line.trim()) calls.push(JSON.parse(line) as Call);
    }
  }
  return calls;
}

function pinnedCalls(): Call[] {
  const calls: Call[] = [];
  for (const provider of ['dataverse', 'fno']) {
    const pact = JSON.parse(readFileSync(pactFile(provider), 'utf8')) as {
      interactions: { request: { method: string; path: string } }[];
    };
    for (const { request } of pact.interactions) calls.push({ method: request.method, path: request.path });
  }
  return calls;
}

describe('coverage gate', () => {
  it("pins every call the connectors' integration tests sent", () => {
    expect(
      existsSync(path.join(recordDir, 'complete.json')),
      `no complete recording in ${recordDir}: run the connectors' tests first (turbo does: npx turbo run test --filter=@mlc/contract-tests)`,
    ).toBe(true);
    const recorded = recordedCalls();
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
