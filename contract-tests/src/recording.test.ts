import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latestFullRecording, NoFullRecordingError, type RunSummary } from './recording';
import { uncoveredCalls } from './templates';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'mlc-recording-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A run folder as the connectors' global setup writes it. */
function run(name: string, calls: string[], summary?: Partial<RunSummary>): void {
  const dir = path.join(root, 'runs', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'requests-1.jsonl'),
    calls
      .map((call) => {
        const [method, p] = call.split(' ');
        return `${JSON.stringify({ method, path: p, query: [], file: 'x.test.ts' })}\n`;
      })
      .join(''),
  );
  if (summary) {
    writeFileSync(
      path.join(dir, 'complete.json'),
      JSON.stringify({ testFiles: 2, ran: ['a', 'b'], missing: [], failedTests: 0, ...summary }),
    );
  }
}

describe('latestFullRecording', () => {
  it('reads the latest full run, not a later partial one nor an unfinished one', () => {
    run('1-old-full', ['GET /api/data/v9.2/accounts'], {
      full: true,
      finishedAt: '2025-01-01T10:00:00.000Z',
    });
    run('2-new-full', ['GET /api/data/v9.2/WhoAmI', 'POST /data/$batch'], {
      full: true,
      finishedAt: '2025-01-02T10:00:00.000Z',
    });
    run('3-partial', ['GET /api/data/v9.2/contacts'], {
      full: false,
      finishedAt: '2025-01-03T10:00:00.000Z',
      missing: ['b'],
    });
    run('4-unfinished', ['GET /api/data/v9.2/products']);
    const recording = latestFullRecording(root);
    expect(recording.dir).toBe(path.join(root, 'runs', '2-new-full'));
    expect(recording.calls).toEqual([
      { method: 'GET', path: '/api/data/v9.2/WhoAmI' },
      { method: 'POST', path: '/data/$batch' },
    ]);
  });

  it('fails when only partial runs finished, saying so', () => {
    run('1-partial', ['GET /api/data/v9.2/accounts'], {
      full: false,
      finishedAt: '2025-01-01T10:00:00.000Z',
    });
    run('2-unfinished', ['GET /api/data/v9.2/accounts']);
    expect(() => latestFullRecording(root)).toThrow(NoFullRecordingError);
    expect(() => latestFullRecording(root)).toThrow(/only 1 partial run/);
  });

  it('fails when nothing was recorded', () => {
    expect(() => latestFullRecording(path.join(root, 'nothing'))).toThrow(NoFullRecordingError);
  });

  it('feeds the gate: a recorded call no pact pins is reported', () => {
    run('1-full', ['GET /api/data/v9.2/accounts(1)', 'DELETE /data/SalesOrderHeadersV2(x)'], {
      full: true,
      finishedAt: '2025-01-01T10:00:00.000Z',
    });
    const { calls } = latestFullRecording(root);
    expect(uncoveredCalls(calls, [{ method: 'GET', path: '/api/data/v9.2/accounts(2)' }])).toEqual([
      'DELETE /data/SalesOrderHeadersV2({key})',
    ]);
  });
});
