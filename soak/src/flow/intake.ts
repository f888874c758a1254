/**
 * Duplicated and reordered triggers. A business-event receiver (what the portal's
 * `/api/events/fno` route does after its secret check) registered as an F&O endpoint, and a
 * redeliverer that posts every webhook and business event the intake stored once or twice more,
 * the same headers and body, some at once and some seconds later (behind newer ones).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BenchHarness, sleep } from '@mlc/bench';
import { IntakeError, receiveDataverseWebhook, receiveFnoBusinessEvent } from '@mlc/worker';
import { sandboxControl } from './control';

export interface EventReceiver {
  received: number;
  close(): Promise<void>;
}

const HEADER = 'x-mlc-events-key';

/** Receives F&O business events for the harness's connection and activates `businessEventIds` for usmf. */
export async function startEventReceiver(
  h: BenchHarness,
  businessEventIds: string[],
): Promise<EventReceiver> {
  const key = randomBytes(18).toString('base64url');
  const deps = { db: h.queue.db, jobs: h.queue.jobs };
  const receiver: EventReceiver = { received: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers[HEADER] !== key) {
        res.writeHead(401).end();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers[name] = value;
      const body = Buffer.concat(chunks).toString('utf8');
      receiveFnoBusinessEvent(deps, { connectionId: h.connectionId, headers, body }).then(
        () => {
          receiver.received += 1;
          res.writeHead(202).end();
        },
        (error: unknown) =>
          res.writeHead(error instanceof IntakeError ? error.status : 500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  await sandboxControl(h, 'fno', 'POST', '/_sandbox/business-events/endpoints', {
    url,
    name: 'ml-connector soak',
    authHeaderName: HEADER,
    authHeaderValue: key,
    activations: businessEventIds.map((businessEventId) => ({ businessEventId, legalEntity: 'usmf' })),
  });
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

export interface Redeliverer {
  /** Messages posted again, and how many of them the intake reported as duplicates. */
  readonly reposted: number;
  readonly duplicates: number;
  readonly late: number;
  readonly errors: string[];
  /** Stops after one last sweep (every stored message redelivered). */
  stop(): Promise<void>;
}

interface StoredMessage {
  id: string;
  source: 'dataverse_webhook' | 'fno_business_event';
  headers: Record<string, string>;
  body: string;
}

/**
 * Every `everyMs`, the messages the intake stored since the last sweep are posted again: once or
 * twice (so each arrives two or three times), in reverse order, half of them at once and the rest
 * 1–6 s later.
 */
export function startRedeliverer(h: BenchHarness, everyMs = 1_000): Redeliverer {
  const deps = { db: h.queue.db, jobs: h.queue.jobs };
  const seen = new Set<string>();
  const pending: Promise<void>[] = [];
  const state = { reposted: 0, duplicates: 0, late: 0, errors: [] as string[] };
  const post = async (message: StoredMessage) => {
    const input = { connectionId: h.connectionId, headers: message.headers, body: message.body };
    try {
      const receipt =
        message.source === 'dataverse_webhook'
          ? await receiveDataverseWebhook(deps, input)
          : await receiveFnoBusinessEvent(deps, input);
      state.reposted += 1;
      if (receipt.duplicate) state.duplicates += 1;
    } catch (error) {
      // The database may be restarting: a real sender retries later, and so do we.
      await sleep(1_000);
      try {
        const receipt =
          message.source === 'dataverse_webhook'
            ? await receiveDataverseWebhook(deps, input)
            : await receiveFnoBusinessEvent(deps, input);
        state.reposted += 1;
        if (receipt.duplicate) state.duplicates += 1;
      } catch (again) {
        if (state.errors.length < 10) state.errors.push(`${String(error)} / ${String(again)}`);
      }
    }
  };
  const sweep = async () => {
    const { rows } = await h.db.pool.query<StoredMessage>(
      `select id, source::text as source, headers, body from inbox_events where connection_id = $1 order by received_at`,
      [h.connectionId],
    );
    const fresh = rows.filter((row) => !seen.has(row.id)).reverse();
    for (const [index, message] of fresh.entries()) {
      seen.add(message.id);
      const times = 1 + (index % 2);
      for (let n = 0; n < times; n += 1) {
        if ((index + n) % 2 === 0) pending.push(post(message));
        else {
          state.late += 1;
          pending.push(sleep(1_000 + Math.random() * 5_000).then(() => post(message)));
        }
      }
    }
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sweep().catch((error: unknown) => {
        if (state.errors.length < 10) state.errors.push(String(error));
      });
      await sleep(everyMs);
    }
  })();
  return {
    get reposted() {
      return state.reposted;
    },
    get duplicates() {
      return state.duplicates;
    },
    get late() {
      return state.late;
    },
    get errors() {
      return state.errors;
    },
    async stop() {
      stopped = true;
      await loop;
      await sweep();
      await Promise.all(pending);
    },
  };
}
