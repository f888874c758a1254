import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../../core/contracts';
import type { Metadata } from '../metadata/registry';
import type { FilterContext } from '../query/filter/compile';
import type { SeedFacts } from '../seed/seed';
import type { AlternateKeys } from '../store/alternate-keys';
import type { Store } from '../store/store';
import type { WriteContext } from '../write/context';
import type { Caller } from './auth';
import type { Preferences } from './prefer';
import { baseHeaders } from './respond';

/** The live data of the service (replaced as a whole by reset/seed). */
export interface ServiceState {
  store: Store;
  keys: AlternateKeys;
  facts: SeedFacts;
}

/** Everything a route handler needs about one authenticated request. */
export class RequestScope {
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly body: Buffer,
    readonly ctx: RequestContext,
    readonly url: URL,
    /** `https://host:port/api/data/v9.2/` */
    readonly serviceRoot: string,
    readonly prefer: Preferences,
    readonly caller: Caller,
    readonly state: ServiceState,
    readonly now: () => Date,
  ) {}

  get method(): string {
    return (this.req.method ?? 'GET').toUpperCase();
  }

  get metadata(): Metadata {
    return this.state.store.metadata;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...baseHeaders(this.ctx.requestId), ...extra };
  }

  filterContext(): FilterContext {
    return { metadata: this.metadata, store: this.state.store, now: this.now };
  }

  writeContext(): WriteContext {
    return {
      store: this.state.store,
      keys: this.state.keys,
      actor: this.caller.actor,
      baseCurrencyId: this.state.facts.baseCurrencyId,
    };
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }
}
