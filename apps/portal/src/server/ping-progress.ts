import type { PingCheckResult } from './api/routers/connections';

/**
 * The live ping's checks as they complete, per connection, so that the wizard can show each
 * diagnostic the moment it is done while `connections.ping` is still running. Kept in this portal
 * process (one ping at a time per connection; a second start replaces the first); a finished ping
 * is kept until the next one starts.
 */
export interface PingProgress {
  startedAt: string;
  running: boolean;
  checks: PingCheckResult[];
}

const byConnection = new Map<string, PingProgress>();

export const pingProgress = {
  start(connectionId: string): PingProgress {
    const progress: PingProgress = { startedAt: new Date().toISOString(), running: true, checks: [] };
    byConnection.set(connectionId, progress);
    return progress;
  },
  get(connectionId: string): PingProgress | null {
    const progress = byConnection.get(connectionId);
    return progress ? { ...progress, checks: [...progress.checks] } : null;
  },
};
