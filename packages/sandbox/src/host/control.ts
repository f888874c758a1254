import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mlc/logger';
import type { z } from 'zod';
import type { SimulatorService } from '../core/contracts';
import type { RequestCounters } from './counters';
import { type FaultStore, faultInputSchema, resolveFaults } from './faults';
import { sandboxError, sendJson } from './http';

export const CONTROL_PREFIX = '/_sandbox';

export function isControlPath(path: string): boolean {
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

export interface ControlDeps {
  service: SimulatorService;
  faults: FaultStore;
  counters: RequestCounters;
  now: () => number;
  logger: Logger;
}

type Route = Partial<Record<string, (body: Buffer) => Promise<[number, unknown]>>>;

/**
 * The sandbox's own API on every port, under `/_sandbox/` (not part of any Microsoft API):
 * reset, faults, counters; anything else is offered to the service's `control`, else 404.
 */
export async function handleControl(
  path: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  deps: ControlDeps,
): Promise<void> {
  const { service, faults, counters } = deps;
  const routes: Record<string, Route> = {
    [`${CONTROL_PREFIX}/reset`]: {
      POST: async () => {
        await service.reset();
        faults.clear(service.name);
        counters.reset();
        deps.logger.info({ service: service.name }, 'service reset to its seed');
        return [200, { service: service.name, reset: true }];
      },
    },
    [`${CONTROL_PREFIX}/faults`]: {
      GET: async () => [200, faults.get(service.name)],
      PUT: async (raw) => {
        const parsed = parseJson(raw);
        if (!parsed.ok) return [400, sandboxError('invalid_json', `the body is not JSON: ${parsed.message}`)];
        const result = faultInputSchema.safeParse(parsed.value);
        if (!result.success) return [400, invalidFaults(result.error)];
        const config = resolveFaults(result.data, deps.now());
        faults.set(service.name, config);
        deps.logger.info({ service: service.name, faults: config }, 'faults set');
        return [200, config];
      },
    },
    [`${CONTROL_PREFIX}/counters`]: {
      GET: async () => [200, counters.snapshot()],
    },
    [`${CONTROL_PREFIX}/counters/reset`]: {
      POST: async () => {
        counters.reset();
        return [200, counters.snapshot()];
      },
    },
  };

  const route = routes[path];
  if (route) {
    const method = req.method ?? 'GET';
    const handler = route[method];
    if (!handler) {
      const allow = Object.keys(route).join(', ');
      sendJson(res, 405, sandboxError('method_not_allowed', `${method} ${path}: use ${allow}`), {
        Allow: allow,
      });
      return;
    }
    const [status, value] = await handler(body);
    sendJson(res, status, value);
    return;
  }
  if (service.control && (await service.control(path, req, body, res))) return;
  sendJson(res, 404, sandboxError('not_found', `no sandbox control route ${req.method ?? 'GET'} ${path}`));
}

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(raw.length > 0 ? raw.toString('utf8') : '{}') };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function invalidFaults(error: z.ZodError): unknown {
  const issues = error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  return sandboxError(
    'invalid_faults',
    `invalid fault configuration: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    { issues },
  );
}
