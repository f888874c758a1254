import path from 'node:path';
import { workerNodeArgs } from '@mlc/worker/node-options';
import type { ServiceSpec } from './supervisor';

export interface ProductPorts {
  portal: number;
  worker: number;
  /** Entra ID simulator; the other simulators follow on the next ports (see the sandbox README). */
  sandboxEntra: number;
}

/**
 * The processes of the product. A new process (a second worker, another simulator) is one more
 * entry here. The sandbox (local simulators of Entra ID, Dataverse and F&O) runs with the product so
 * it can be tried before connecting real environments.
 */
export function productServices(root: string, databaseUrl: string, ports: ProductPorts): ServiceSpec[] {
  const env = { ...process.env, DATABASE_URL: databaseUrl, NEXT_TELEMETRY_DISABLED: '1' };
  const tsx = ['--import', 'tsx'];
  return [
    {
      name: 'sandbox',
      command: process.execPath,
      args: [...tsx, 'src/main.ts'],
      cwd: path.join(root, 'packages', 'sandbox'),
      env,
      readyPort: ports.sandboxEntra,
    },
    {
      name: 'worker',
      command: process.execPath,
      args: [...workerNodeArgs(env), ...tsx, 'src/main.ts'],
      cwd: path.join(root, 'apps', 'worker'),
      env: { ...env, WORKER_HEALTH_PORT: String(ports.worker) },
      healthUrl: `http://127.0.0.1:${ports.worker}/health`,
    },
    {
      name: 'portal',
      command: process.execPath,
      args: [
        path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'),
        'start',
        '--port',
        String(ports.portal),
      ],
      cwd: path.join(root, 'apps', 'portal'),
      env: { ...env, NODE_ENV: 'production', PORT: String(ports.portal) },
      healthUrl: `http://127.0.0.1:${ports.portal}/api/health`,
    },
  ];
}
