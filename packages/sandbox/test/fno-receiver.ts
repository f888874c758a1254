import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One POST a business-event receiver got. */
export interface Received {
  headers: Record<string, string>;
  text: string;
  json: Record<string, unknown>;
  at: number;
}

/** How the receiver answers its n-th request (0-based): a status, or `hang` to never answer. */
export type Responder = (index: number, received: Received) => number | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  respond(responder: Responder): void;
  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * A business-event endpoint for tests: HTTP on 127.0.0.1 (the sandbox accepts plain HTTP for
 * loopback receivers), or HTTPS with the given certificate. Answers 200 unless told otherwise.
 */
export async function startReceiver(tls?: { cert: string; key: string }): Promise<Receiver> {
  const received: Received[] = [];
  let responder: Responder = () => 200;
  const waiters: Array<() => void> = [];
  const hanging: ServerResponse[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // Not JSON: kept as text.
      }
      const entry: Received = { headers, text, json, at: Date.now() };
      const index = received.length;
      received.push(entry);
      for (const wake of waiters.splice(0)) wake();
      const answer = responder(index, entry);
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer, { 'Content-Type': 'text/plain' }).end(answer < 300 ? 'ok' : 'failed');
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/events`,
    received,
    respond(next) {
      responder = next;
    },
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} deliveries, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A sandbox control route of the F&O port (a harness: its origin and CA), JSON in and out. */
export async function control(
  target: { origin: string; fetch: (url: string, init?: RequestInit) => Promise<Response> },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: <T = Record<string, unknown>>() => T }> {
  const response = await target.fetch(`${target.origin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: <T>() => JSON.parse(text) as T };
}

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLE_NAME = 'BatchJobStarted__schema_download_sample__jp_support_blog.json';
export const SAMPLE_FIXTURE = path.join(here, 'fixtures', 'fno-business-events', SAMPLE_NAME);
export const SAMPLE_ORIGINAL = path.resolve(
  here,
  '../../../../shared/samples/fno-business-events',
  SAMPLE_NAME,
);

/** F&O's "Download schema" sample of BatchJobStartedBusinessEvent (the captured envelope). */
export const SAMPLE = JSON.parse(readFileSync(SAMPLE_FIXTURE, 'utf8')) as Record<string, unknown>;

/** The data members of the batch-job event in the sample; every other key is the common envelope. */
const BATCH_JOB_MEMBERS = new Set([
  'AdminEmailId',
  'JobDescription',
  'JobEndUtcDateTime',
  'JobExecutedByEmailId',
  'JobId',
  'JobOwnerEmailId',
  'JobStatus',
]);
export const SAMPLE_ENVELOPE_KEYS = Object.keys(SAMPLE).filter((key) => !BATCH_JOB_MEMBERS.has(key));

/**
 * Differences between a delivered payload and the sample's envelope: the key set (envelope +
 * `eventFields`), alphabetical order, and each envelope value's JSON type and form as real
 * deliveries show them (`ParentContextRecordSubjects` is `null` only in "Download schema" output,
 * `[]` in deliveries).
 */
export function envelopeProblems(payload: Record<string, unknown>, eventFields: readonly string[]): string[] {
  const problems: string[] = [];
  const keys = Object.keys(payload);
  const expected = [...SAMPLE_ENVELOPE_KEYS, ...eventFields].sort();
  if (JSON.stringify([...keys].sort()) !== JSON.stringify(expected)) {
    problems.push(`keys ${JSON.stringify(keys)} are not ${JSON.stringify(expected)}`);
  }
  if (JSON.stringify(keys) !== JSON.stringify([...keys].sort()))
    problems.push('keys are not in alphabetical order');
  for (const key of SAMPLE_ENVELOPE_KEYS) {
    const value = payload[key];
    const sample = SAMPLE[key];
    if (key === 'ParentContextRecordSubjects') {
      if (!Array.isArray(value)) problems.push(`${key} is not an array`);
      continue;
    }
    if (typeof value !== typeof sample)
      problems.push(`${key}: ${typeof value}, the sample has ${typeof sample}`);
  }
  const text = (key: string): string => String(payload[key] ?? '');
  const ms = /^\/Date\((-?\d+)\)\/$/.exec(text('EventTime'))?.[1];
  if (ms === undefined) problems.push(`EventTime ${text('EventTime')} is not /Date(ms)/`);
  else if (Number(ms) % 1000 !== 0) problems.push('EventTime is not whole seconds');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/.test(text('EventTimeIso8601'))) {
    problems.push(`EventTimeIso8601 ${text('EventTimeIso8601')} is not .NET's round-trip form`);
  } else if (
    ms !== undefined &&
    Math.floor(Date.parse(text('EventTimeIso8601')) / 1000) * 1000 !== Number(ms)
  ) {
    problems.push('EventTime and EventTimeIso8601 are not the same second');
  }
  if (!/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/.test(text('EventId'))) {
    problems.push(`EventId ${text('EventId')} is not an upper-case GUID`);
  }
  if (
    !/^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/.test(
      text('InitiatingUserAADObjectId'),
    )
  ) {
    problems.push(`InitiatingUserAADObjectId ${text('InitiatingUserAADObjectId')} is not {GUID}`);
  }
  if (!Number.isSafeInteger(payload['ControlNumber']) || Number(payload['ControlNumber']) <= 0) {
    problems.push('ControlNumber is not a positive integer');
  }
  for (const key of ['MajorVersion', 'MinorVersion']) {
    if (!Number.isInteger(payload[key])) problems.push(`${key} is not an integer`);
  }
  return problems;
}

/** The `oid` claim of a JWT (no verification). */
export function objectIdOf(token: string): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    oid?: string;
  };
  return claims.oid ?? '';
}
