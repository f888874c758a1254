/** Formatting shared by the pages: one locale-aware style everywhere. */

type DateLike = string | number | Date | null | undefined;

const toDate = (value: DateLike): Date | null => {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
};

export function formatDateTime(value: DateLike): string {
  const date = toDate(value);
  if (!date) return '—';
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatDate(value: DateLike): string {
  const date = toDate(value);
  if (!date) return '—';
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatTime(value: DateLike): string {
  const date = toDate(value);
  if (!date) return '';
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** "12 s ago", "5 min ago", "3 h ago", else the date. */
export function formatRelative(value: DateLike, now: number = Date.now()): string {
  const date = toDate(value);
  if (!date) return 'never';
  const seconds = Math.round((now - date.getTime()) / 1000);
  if (seconds < 0) return formatDateTime(date);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return formatDateTime(date);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  return formatDuration(seconds * 1000);
}

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}

/** "every 10 s", "every 5 min". */
export function formatCadence(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  if (seconds < 60) return `every ${seconds} s`;
  if (seconds % 3600 === 0) return `every ${seconds / 3600} h`;
  if (seconds % 60 === 0) return `every ${seconds / 60} min`;
  return `every ${seconds} s`;
}

export const DIRECTION_LABEL: Record<string, string> = {
  sales_to_fno: 'Sales → F&O',
  fno_to_sales: 'F&O → Sales',
};

export const SECRET_LABEL: Record<string, string> = {
  sales_client_secret: 'Sales client secret',
  fno_client_secret: 'F&O client secret',
  webhook_secret: 'Webhook secret',
  business_events_secret: 'Business events code',
};

export const SYSTEM_LABEL: Record<string, string> = {
  entra: 'Entra ID',
  sales: 'Dynamics 365 Sales',
  fno: 'Finance & Operations',
};

/** Secrets never reach the browser; this is a second line of defence for what a page prints. */
const SECRET_KEY = /secret|password|passwd|token|authorization|apikey|api_key|client_?assertion/i;

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return '…';
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      out[key] =
        SECRET_KEY.test(key) && typeof inner === 'string' ? '•••• (hidden)' : redactSecrets(inner, depth + 1);
    }
    return out;
  }
  return value;
}
