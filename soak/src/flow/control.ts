/**
 * The sandbox control API (`/_sandbox/...`) of any port, Entra ID's included (the bench harness
 * reaches Dataverse's and F&O's only), trusting the sandbox CA.
 */
import { request } from 'node:https';
import type { BenchHarness } from '@mlc/bench';
import type { FaultInput } from '@mlc/sandbox';

export type Service = 'entra' | 'dataverse' | 'fno';

export function sandboxControl<T = unknown>(
  h: BenchHarness,
  service: Service,
  method: string,
  target: string,
  json?: unknown,
): Promise<T> {
  const url = new URL(target, h.sandbox.urls[service]);
  const payload = json === undefined ? undefined : JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: h.sandbox.caPem,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300)
            reject(new Error(`${method} ${target}: ${res.statusCode} ${text}`));
          else resolve((text ? JSON.parse(text) : undefined) as T);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Replaces the fault setting of a port (`{}`: no faults). */
export const setFaults = (h: BenchHarness, service: Service, faults: FaultInput) =>
  sandboxControl(h, service, 'PUT', '/_sandbox/faults', faults);

export const clearFaults = async (h: BenchHarness) => {
  for (const service of ['entra', 'dataverse', 'fno'] as const) await setFaults(h, service, {});
};
