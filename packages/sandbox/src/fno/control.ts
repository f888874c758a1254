import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mlc/logger';
import { z } from 'zod';
import { sandboxError, sendJson } from '../host/http';
import { type ActivityGenerator, activityInputSchema, activityStepSchema } from './activity/generator';
import { ControlError, parseBody } from './control-error';
import type { BusinessEvents } from './events/business-events';
import {
  activationInputSchema,
  endpointInputSchema,
  eventFaultsSchema,
  parametersSchema,
} from './events/settings';
import { InvoicingError, type PostedInvoice } from './invoicing/post-invoice';
import {
  type ResourceLimits,
  type ThrottlingSettings,
  throttlingSettingsSchema,
} from './throttling/resource-limits';

export interface FnoControlDeps {
  events: BusinessEvents;
  throttling: ResourceLimits;
  /** false when the service was given its own `gate` (the built-in limits are then not used). */
  throttlingActive: boolean;
  /** Settings `PUT /_sandbox/throttling` starts from (the service's `throttling` option). */
  throttlingDefaults: ThrottlingSettings;
  activity: ActivityGenerator;
  postInvoice: (request: { dataAreaId: string; SalesOrderNumber: string }) => PostedInvoice;
  /** Object id the control API acts as (test messages). */
  adminObjectId: string;
  logger: Logger;
  now: () => number;
}

type Handler = (params: string[], body: Buffer) => Promise<[number, unknown]> | [number, unknown];

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

const invoiceSchema = z.strictObject({
  dataAreaId: z.string().min(1).max(8),
  SalesOrderNumber: z.string().min(1).max(20),
});

/**
 * The F&O simulator's own control routes (`/_sandbox/…` on the F&O port; the host routes every
 * path it does not know to `service.control`): business events (catalog, endpoints and
 * activations, error log and resend, delivery faults, parameters), throttling, the activity
 * generator, and posting a sales order invoice.
 */
export function createFnoControl(deps: FnoControlDeps) {
  const id = (params: string[], index: number): number => {
    const value = Number(params[index]);
    if (!Number.isSafeInteger(value) || value <= 0) throw new ControlError(404, 'not_found', 'no such id');
    return value;
  };
  const throttlingView = () => ({
    active: deps.throttlingActive,
    settings: deps.throttling.current,
    stats: deps.throttling.snapshot(deps.now()),
  });

  const routes: Route[] = [
    {
      pattern: /^\/_sandbox\/business-events\/catalog$/,
      methods: { GET: () => [200, { value: deps.events.catalog() }] },
    },
    {
      pattern: /^\/_sandbox\/business-events\/endpoints$/,
      methods: {
        GET: () => [200, { value: deps.events.endpoints() }],
        POST: async (_params, body) => {
          const input = parseBody(body, endpointInputSchema, 'invalid_endpoint', 'endpoint');
          return [201, await deps.events.createEndpoint(input, deps.adminObjectId)];
        },
        DELETE: () => {
          deps.events.deleteAllEndpoints();
          return [200, { value: deps.events.endpoints() }];
        },
      },
    },
    {
      pattern: /^\/_sandbox\/business-events\/endpoints\/([^/]+)$/,
      methods: {
        GET: (params) => {
          const endpointId = id(params, 0);
          const endpoint = deps.events.endpoints().find((candidate) => candidate.id === endpointId);
          if (!endpoint) throw new ControlError(404, 'not_found', `no business event endpoint ${endpointId}`);
          return [200, endpoint];
        },
        DELETE: (params) => {
          deps.events.deleteEndpoint(id(params, 0));
          return [200, { deleted: true }];
        },
      },
    },
    {
      pattern: /^\/_sandbox\/business-events\/endpoints\/([^/]+)\/activations$/,
      methods: {
        POST: async (params, body) => {
          const input = parseBody(body, activationInputSchema, 'invalid_activation', 'activation');
          return [201, await deps.events.activate(id(params, 0), input, deps.adminObjectId)];
        },
      },
    },
    {
      pattern: /^\/_sandbox\/business-events\/endpoints\/([^/]+)\/activations\/([^/]+)$/,
      methods: {
        DELETE: (params) => {
          deps.events.deactivate(id(params, 0), id(params, 1));
          return [200, { deleted: true }];
        },
      },
    },
    {
      pattern: /^\/_sandbox\/business-events\/errors$/,
      methods: { GET: () => [200, { value: deps.events.errors() }] },
    },
    {
      pattern: /^\/_sandbox\/business-events\/errors\/([^/]+)\/resend$/,
      methods: { POST: async (params) => [200, await deps.events.resend(id(params, 0))] },
    },
    {
      pattern: /^\/_sandbox\/business-events\/deliveries$/,
      methods: { GET: () => [200, { value: deps.events.deliveries() }] },
    },
    {
      pattern: /^\/_sandbox\/business-events\/faults$/,
      methods: {
        GET: () => [200, deps.events.getFaults()],
        PUT: (_params, body) => {
          const faults = parseBody(body, eventFaultsSchema, 'invalid_faults', 'business event faults');
          deps.logger.info({ faults }, 'business event faults set');
          return [200, deps.events.setFaults(faults)];
        },
      },
    },
    {
      pattern: /^\/_sandbox\/business-events\/parameters$/,
      methods: {
        GET: () => [200, deps.events.getParameters()],
        PUT: (_params, body) => {
          const parameters = parseBody(
            body,
            parametersSchema,
            'invalid_parameters',
            'business events parameters',
            deps.events.getStartParameters(),
          );
          return [200, deps.events.setParameters(parameters)];
        },
      },
    },
    {
      pattern: /^\/_sandbox\/throttling$/,
      methods: {
        GET: () => [200, throttlingView()],
        PUT: (_params, body) => {
          const settings = parseBody(
            body,
            throttlingSettingsSchema,
            'invalid_throttling',
            'throttling settings',
            deps.throttlingDefaults,
          );
          deps.throttling.configure(settings);
          deps.logger.info({ settings }, 'F&O throttling set');
          return [200, throttlingView()];
        },
      },
    },
    {
      pattern: /^\/_sandbox\/activity$/,
      methods: {
        GET: () => [200, deps.activity.status()],
        PUT: (_params, body) => {
          const settings = parseBody(body, activityInputSchema, 'invalid_activity', 'activity settings');
          return [200, deps.activity.start(settings)];
        },
        DELETE: () => [200, deps.activity.stop()],
      },
    },
    {
      pattern: /^\/_sandbox\/activity\/step$/,
      methods: {
        POST: (_params, body) => {
          const step = parseBody(body, activityStepSchema, 'invalid_activity', 'activity step');
          return [200, { value: deps.activity.step(step.count, step.seed) }];
        },
      },
    },
    {
      pattern: /^\/_sandbox\/fno\/invoice$/,
      methods: {
        POST: (_params, body) => {
          const request = parseBody(body, invoiceSchema, 'invalid_invoice', 'invoice request');
          try {
            const invoice = deps.postInvoice(request);
            return [
              201,
              {
                ...invoice,
                invoiceDate: invoice.invoiceDate.toISOString().slice(0, 10),
                dueDate: invoice.dueDate.toISOString().slice(0, 10),
              },
            ];
          } catch (error) {
            if (error instanceof InvoicingError)
              throw new ControlError(error.status, error.code, error.message);
            throw error;
          }
        },
      },
    },
  ];

  return async (path: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<boolean> => {
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const method = req.method ?? 'GET';
      const handler = route.methods[method];
      if (!handler) {
        const allow = Object.keys(route.methods).join(', ');
        sendJson(res, 405, sandboxError('method_not_allowed', `${method} ${path}: use ${allow}`), {
          Allow: allow,
        });
        return true;
      }
      try {
        const [status, value] = await handler(match.slice(1).map(decodeSegment), body);
        sendJson(res, status, value);
      } catch (error) {
        if (!(error instanceof ControlError)) throw error;
        sendJson(res, error.status, sandboxError(error.code, error.message, { ...error.details }));
      }
      return true;
    }
    return false;
  };
}

function decodeSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    return segment ?? '';
  }
}
