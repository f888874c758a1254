import type { ServerResponse } from 'node:http';
import { sandboxError, sendJson } from '../../host/http';
import { invalidBody, parseJsonBody } from '../limits/control';
import type { ActivityGenerator } from './generator';
import { activityInputSchema } from './settings';

/**
 * `PUT /_sandbox/activity` `{"ratePerMinute": n, "mix"?: {...}, "seed"?: n, "maxActions"?: n}`
 * starts (or restarts) the generator, `DELETE` stops it, `GET` reports it; each answers the
 * status. Not part of the Dataverse API.
 */
export function handleActivityControl(
  generator: ActivityGenerator,
  method: string,
  body: Buffer,
  res: ServerResponse,
): void {
  switch (method) {
    case 'GET':
      sendJson(res, 200, generator.status());
      return;
    case 'DELETE':
      sendJson(res, 200, generator.stop());
      return;
    case 'PUT': {
      const parsed = parseJsonBody(body);
      if (!parsed.ok) {
        sendJson(res, 400, sandboxError('invalid_json', `the body is not JSON: ${parsed.message}`));
        return;
      }
      const result = activityInputSchema.safeParse(parsed.value);
      if (!result.success) {
        sendJson(res, 400, invalidBody('invalid_activity', 'invalid activity settings', result.error));
        return;
      }
      sendJson(res, 200, generator.start(result.data));
      return;
    }
    default:
      sendJson(
        res,
        405,
        sandboxError('method_not_allowed', `${method} /_sandbox/activity: use GET, PUT, DELETE`),
        { Allow: 'GET, PUT, DELETE' },
      );
  }
}
