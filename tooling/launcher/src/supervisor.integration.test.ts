import { Writable } from 'node:stream';
import { createLogger } from '@mlc/logger';
import { describe, expect, it } from 'vitest';
import { type ServiceSpec, supervise } from './supervisor';

const logger = createLogger({
  name: 'launcher-test',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

/** A tiny HTTP service that answers 200 on any path and exits on SIGTERM. */
function httpService(name: string, port: number): ServiceSpec {
  const source = `require('node:http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1');`;
  return {
    name,
    command: process.execPath,
    args: ['-e', source],
    cwd: process.cwd(),
    env: process.env,
    healthUrl: `http://127.0.0.1:${port}/health`,
  };
}

const port = () => 40_000 + Math.floor(Math.random() * 10_000);

describe('supervise', () => {
  it('starts services, waits until they are healthy and stops them all', async () => {
    const specs = [httpService('a', port()), httpService('b', port())];
    const supervisor = supervise(specs, logger);
    await supervisor.ready(15_000);
    for (const spec of specs) expect((await fetch(spec.healthUrl ?? '')).status).toBe(200);
    await supervisor.stop(5_000);
    for (const spec of specs) await expect(fetch(spec.healthUrl ?? '')).rejects.toThrow();
  });

  it('counts a service without an HTTP health check as up once its port accepts connections', async () => {
    const tcpPort = port();
    const supervisor = supervise(
      [
        {
          name: 'tls-only',
          command: process.execPath,
          args: ['-e', `require('node:net').createServer((s) => s.end()).listen(${tcpPort}, '127.0.0.1')`],
          cwd: process.cwd(),
          env: process.env,
          readyPort: tcpPort,
        },
      ],
      logger,
    );
    await supervisor.ready(15_000);
    await supervisor.stop(5_000);
  });

  it('reports a service that dies on its own', async () => {
    const supervisor = supervise(
      [
        httpService('steady', port()),
        {
          name: 'crashy',
          command: process.execPath,
          args: ['-e', 'process.exit(3)'],
          cwd: process.cwd(),
          env: process.env,
        },
      ],
      logger,
    );
    expect(await supervisor.firstExit).toMatchObject({ name: 'crashy', code: 3 });
    await supervisor.stop(5_000);
  });

  it('fails readiness when a service exits before answering', async () => {
    const supervisor = supervise(
      [{ ...httpService('never', port()), args: ['-e', 'setTimeout(() => process.exit(1), 200)'] }],
      logger,
    );
    await expect(supervisor.ready(10_000)).rejects.toThrow(/never exited before it was ready/);
    await supervisor.stop(5_000);
  });
});
