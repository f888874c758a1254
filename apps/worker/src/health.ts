import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DatabaseHealth, type DbClient, pingDatabase } from '@mlc/db';

export interface WorkerHealth {
  status: 'ok' | 'degraded' | 'stopping';
  database: DatabaseHealth;
  queue: { started: boolean };
  uptimeSeconds: number;
}

export interface HealthSource {
  pool: DbClient['pool'];
  queueStarted(): boolean;
  stopping(): boolean;
  startedAt: number;
}

export async function readHealth(source: HealthSource): Promise<WorkerHealth> {
  const database = await pingDatabase(source.pool);
  const started = source.queueStarted();
  const status = source.stopping() ? 'stopping' : database.ok && started ? 'ok' : 'degraded';
  return {
    status,
    database,
    queue: { started },
    uptimeSeconds: Math.round((Date.now() - source.startedAt) / 1000),
  };
}

/** `GET /health`: 200 when the database answers and the queue runs, 503 otherwise. */
export async function serveHealth(source: HealthSource, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/health') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    readHealth(source).then(
      (health) => {
        response.writeHead(health.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify(health));
      },
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function addressOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address}:${port}`;
}
