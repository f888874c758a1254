import { getDb } from '../../../server/db';
import { checkHealth, healthResponse } from '../../../server/health';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** `GET /api/health`: 200 when the database answers, 503 with the reason otherwise. */
export async function GET(): Promise<Response> {
  return healthResponse(await checkHealth(getDb));
}
