import type { ServiceName } from './faults';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Where each simulator listens, filled in by the host once its ports are bound. Entra uses it to
 * know which resources exist (a token for anything else is refused as the real service refuses an
 * unknown resource) and whose fault settings apply to a token.
 */
export class ServiceDirectory {
  private readonly urls = new Map<ServiceName, string>();

  set(service: ServiceName, url: string): void {
    this.urls.set(service, url);
  }

  delete(service: ServiceName): void {
    this.urls.delete(service);
  }

  url(service: ServiceName): string | undefined {
    return this.urls.get(service);
  }

  entries(): [ServiceName, string][] {
    return [...this.urls.entries()];
  }

  /**
   * The service listening at `url`: https, a loopback host (127.0.0.1, localhost, [::1]) and the
   * service's port, no path beyond `/`.
   */
  serviceAt(url: string): ServiceName | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (parsed.protocol !== 'https:' || !LOOPBACK_HOSTS.has(parsed.hostname)) return undefined;
    if (parsed.pathname !== '/' || parsed.search || parsed.hash || parsed.username) return undefined;
    for (const [service, serviceUrl] of this.urls) {
      if (new URL(serviceUrl).port === parsed.port) return service;
    }
    return undefined;
  }
}
