import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, isIPv4, type LookupFunction } from 'node:net';
import { ConnectorError } from '../core/errors';

/**
 * Trust and host guard: the one place that decides which URLs a connector may call.
 *
 * Production accepts only `https:` URLs on the default port whose host is a Dataverse or F&O host
 * of Microsoft's clouds (environment URLs), or one of Entra ID's login hosts (authorities). The
 * list, with its sources, is in the package README. Everything else is refused with
 * `invalid_config` and a remedy in plain words: other hosts, `http:`, IP literals in any notation,
 * local names, user info in the URL, other schemes and ports. This is what keeps the portal's
 * "test connection" button from being used to reach internal addresses (SSRF).
 *
 * After DNS, the addresses are checked too (a public-looking name that resolves to a private,
 * loopback or link-local address is refused before any connection is made: DNS rebinding).
 *
 * Sandbox mode names exact origins (`https://127.0.0.1:4402`) that are accepted as they are and
 * trusted with the sandbox CA; that CA is used for those origins only, never for Microsoft's hosts,
 * which keep the system CAs.
 */
export type HostKind = 'environment' | 'authority';

export interface HostPattern {
  kind: HostKind;
  service: 'dataverse' | 'fno' | 'entra';
  cloud: string;
  /** Written form for people, e.g. `*.crm[N].dynamics.com`. */
  form: string;
  test: (hostname: string) => boolean;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

function suffixPattern(suffix: string): (hostname: string) => boolean {
  const regex = new RegExp(`^${LABEL}\\.${suffix}$`);
  return (hostname) => regex.test(hostname);
}

function exactHost(host: string): (hostname: string) => boolean {
  return (hostname) => hostname === host;
}

export const productionHostPatterns: readonly HostPattern[] = [
  {
    kind: 'environment',
    service: 'dataverse',
    cloud: 'public, GCC (crm9)',
    form: '*.crm.dynamics.com, *.crm[N].dynamics.com, *.api.crm[N].dynamics.com',
    test: suffixPattern('(?:api\\.)?crm(?:[1-9][0-9]?)?\\.dynamics\\.com'),
  },
  {
    kind: 'environment',
    service: 'dataverse',
    cloud: 'US Government GCC High',
    form: '*.crm.microsoftdynamics.us, *.api.crm.microsoftdynamics.us',
    test: suffixPattern('(?:api\\.)?crm\\.microsoftdynamics\\.us'),
  },
  {
    kind: 'environment',
    service: 'dataverse',
    cloud: 'US Government DoD',
    form: '*.crm.appsplatform.us, *.api.crm.appsplatform.us',
    test: suffixPattern('(?:api\\.)?crm\\.appsplatform\\.us'),
  },
  {
    kind: 'environment',
    service: 'dataverse',
    cloud: 'China (21Vianet)',
    form: '*.crm.dynamics.cn, *.api.crm.dynamics.cn',
    test: suffixPattern('(?:api\\.)?crm\\.dynamics\\.cn'),
  },
  {
    kind: 'environment',
    service: 'fno',
    cloud: 'public',
    form: '*.operations.dynamics.com, *.sandbox.operations.dynamics.com, *.operations.<geo>.dynamics.com, *.sandbox.operations.<geo>.dynamics.com',
    test: suffixPattern('(?:sandbox\\.)?operations(?:\\.[a-z]{2,4})?\\.dynamics\\.com'),
  },
  {
    kind: 'environment',
    service: 'fno',
    cloud: 'public (cloud-hosted development and test environments)',
    form: '*.cloudax.dynamics.com',
    test: suffixPattern('cloudax\\.dynamics\\.com'),
  },
  {
    kind: 'environment',
    service: 'fno',
    cloud: 'US Government',
    form: '*.operations.microsoftdynamics.us, *.sandbox.operations.microsoftdynamics.us',
    test: suffixPattern('(?:sandbox\\.)?operations\\.microsoftdynamics\\.us'),
  },
  {
    kind: 'environment',
    service: 'fno',
    cloud: 'China (21Vianet)',
    form: '*.operations.dynamics.cn, *.sandbox.operations.dynamics.cn',
    test: suffixPattern('(?:sandbox\\.)?operations\\.dynamics\\.cn'),
  },
  ...(
    [
      ['login.microsoftonline.com', 'public'],
      ['login.microsoftonline.us', 'US Government'],
      ['login.partner.microsoftonline.cn', 'China (21Vianet)'],
      ['login.chinacloudapi.cn', 'China (21Vianet), older name'],
    ] as const
  ).map(
    ([host, cloud]): HostPattern => ({
      kind: 'authority',
      service: 'entra',
      cloud,
      form: host,
      test: exactHost(host),
    }),
  ),
];

export interface SandboxTrust {
  /** Exact origins accepted in sandbox mode, e.g. `https://127.0.0.1:4402`. */
  origins: readonly string[];
  /** PEM of the sandbox CA, trusted for those origins only. */
  caPem: string;
}

export interface HostGuardOptions {
  sandbox?: SandboxTrust;
  /** DNS resolution used before connecting; tests inject one. Default `dns.lookup`. */
  lookup?: LookupFunction;
}

/** What a connection to one origin is allowed to use. */
export interface OriginTrust {
  /** Set for sandbox origins: the only CA trusted there. Absent: the system CAs. */
  ca?: string;
  /** Set for production origins: resolves the name and refuses non-public addresses. */
  lookup?: LookupFunction;
}

export interface HostGuard {
  /** Parses and checks a URL; throws `ConnectorError('invalid_config')` when it is refused. */
  check(input: string | URL, kind?: HostKind): URL;
  /** Trust settings for an origin that passed `check`. */
  trustFor(origin: string): OriginTrust;
  isSandboxOrigin(origin: string): boolean;
}

export function createHostGuard(options: HostGuardOptions = {}): HostGuard {
  const sandboxOrigins = new Set((options.sandbox?.origins ?? []).map(normaliseSandboxOrigin));
  const caPem = options.sandbox?.caPem;
  if (sandboxOrigins.size > 0 && !caPem?.includes('BEGIN CERTIFICATE')) {
    throw new ConnectorError('invalid_config', 'Sandbox mode needs the sandbox CA certificate (PEM).', {
      remedy: 'Pass the CA certificate the sandbox wrote (ca.pem) together with the sandbox origins.',
    });
  }
  const guardedLookup = createGuardedLookup(options.lookup);

  return {
    check(input, kind = 'environment') {
      return checkUrl(input, kind, sandboxOrigins);
    },
    trustFor(origin) {
      if (sandboxOrigins.has(origin) && caPem) return { ca: caPem };
      return { lookup: guardedLookup };
    },
    isSandboxOrigin(origin) {
      return sandboxOrigins.has(origin);
    },
  };
}

function normaliseSandboxOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ConnectorError('invalid_config', `Sandbox origin "${origin}" is not a URL.`, {
      remedy: 'Give sandbox origins as https://host:port, for example https://127.0.0.1:4402.',
    });
  }
  if (url.protocol !== 'https:' || url.username || url.password || (url.pathname !== '/' && url.pathname)) {
    throw new ConnectorError('invalid_config', `Sandbox origin "${origin}" must be https://host:port only.`, {
      remedy: 'Give sandbox origins as https://host:port, for example https://127.0.0.1:4402.',
    });
  }
  return url.origin;
}

const hostRemedy =
  'Use the environment URL exactly as Microsoft shows it: https://<org>.crm.dynamics.com for Dynamics 365 Sales ' +
  '(Power Platform admin center > Environments > your environment > Environment URL) or ' +
  'https://<env>.operations.dynamics.com for Finance & Operations (the address in the browser when you sign in), ' +
  'with no user name, password or port in it.';

const authorityRemedy =
  'Use the Entra ID login host of your cloud: https://login.microsoftonline.com (public and GCC), ' +
  'https://login.microsoftonline.us (US Government) or https://login.partner.microsoftonline.cn (China).';

function refuse(kind: HostKind, shown: string, reason: string): ConnectorError {
  return new ConnectorError('invalid_config', `Refused ${shown}: ${reason}.`, {
    remedy: kind === 'authority' ? authorityRemedy : hostRemedy,
  });
}

/** The URL as it may be shown back: no user info, no query. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

function checkUrl(input: string | URL, kind: HostKind, sandboxOrigins: ReadonlySet<string>): URL {
  let url: URL;
  if (typeof input === 'string') {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
    if (/[\s\u0000-\u001f\\]/.test(input)) {
      throw refuse(kind, 'the URL', 'it contains spaces, control characters or backslashes');
    }
    try {
      url = new URL(input);
    } catch {
      throw refuse(kind, 'the URL', 'it is not a valid absolute URL');
    }
  } else {
    url = new URL(input.href);
  }
  const shown = describeUrl(url);
  if (url.username || url.password) {
    throw refuse(kind, shown, 'it carries a user name or password; credentials never go in the URL');
  }
  if (sandboxOrigins.has(url.origin)) return url;
  if (url.protocol !== 'https:') {
    throw refuse(kind, shown, `only https:// URLs are accepted, not ${url.protocol}//`);
  }
  const hostname = url.hostname.toLowerCase();
  if (hostname.startsWith('[') || isIP(hostname) !== 0) {
    throw refuse(kind, shown, 'IP addresses are not accepted, only the host names of Microsoft services');
  }
  if (url.port !== '') {
    throw refuse(
      kind,
      shown,
      `port ${url.port} is not accepted; Microsoft services use the default https port`,
    );
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || !hostname.includes('.')) {
    throw refuse(kind, shown, 'local host names are not accepted');
  }
  if (hostname.endsWith('.')) {
    throw refuse(kind, shown, 'host names ending with a dot are not accepted');
  }
  const known = productionHostPatterns.some((pattern) => pattern.kind === kind && pattern.test(hostname));
  if (!known) {
    throw refuse(
      kind,
      shown,
      kind === 'authority'
        ? 'it is not an Entra ID login host of Microsoft’s clouds'
        : 'it is not a Dynamics 365 Sales (Dataverse) or Finance & Operations host of Microsoft’s clouds',
    );
  }
  return url;
}

// ---------------------------------------------------------------------------------------------
// Addresses

const blockedV4: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const blockedV6: readonly [string, number, string][] = [
  ['::', 96, 'unspecified, loopback or IPv4-compatible'],
  ['64:ff9b:1::', 48, 'local NAT64'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const v4Lists = blockedV4.map(([net, prefix, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, 'ipv4');
  return { list, reason };
});
const v6Lists = blockedV6.map(([net, prefix, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, 'ipv6');
  return { list, reason };
});

/**
 * Why an address must not be connected to in production (`private`, `loopback`, ...), or
 * `undefined` when it is a public address. IPv4-mapped and NAT64 IPv6 forms are judged by the
 * IPv4 address inside them.
 */
export function blockedAddressReason(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(bare);
  if (version === 4) {
    return v4Lists.find(({ list }) => list.check(bare, 'ipv4'))?.reason;
  }
  if (version === 6) {
    const embedded = embeddedIPv4(bare);
    if (embedded) return blockedAddressReason(embedded);
    return v6Lists.find(({ list }) => list.check(bare, 'ipv6'))?.reason;
  }
  return 'not an IP address';
}

/** The IPv4 address inside `::ffff:a.b.c.d` (mapped) or `64:ff9b::a.b.c.d` (NAT64), if any. */
function embeddedIPv4(address: string): string | undefined {
  const groups = expandIPv6(address);
  if (!groups) return undefined;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function expandIPv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const percent = text.indexOf('%');
  if (percent >= 0) text = text.slice(0, percent);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const parts = tail.split('.').map(Number);
    const [a = 0, b = 0, c = 0, d = 0] = parts;
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const missing = 8 - headGroups.length - restGroups.length;
  if (rest === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...headGroups, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...restGroups];
  const numbers = groups.map((g) => Number.parseInt(g, 16));
  return numbers.length === 8 && numbers.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff)
    ? numbers
    : undefined;
}

/**
 * A `lookup` for `net.connect`/`tls.connect` (undici `connect.lookup`) that resolves the name and
 * refuses, before any connection, when any of its addresses is not public.
 */
export function createGuardedLookup(resolve: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', undefined);
        return;
      }
      const list: LookupAddress[] = Array.isArray(addresses)
        ? addresses
        : [{ address: addresses, family: isIP(addresses) }];
      const blocked = list
        .map((entry) => ({ entry, reason: blockedAddressReason(entry.address) }))
        .find((item) => item.reason !== undefined);
      const first = list[0];
      if (blocked || !first) {
        const refusal = new ConnectorError(
          'invalid_config',
          blocked
            ? `Refused ${hostname}: it resolves to ${blocked.entry.address}, a ${blocked.reason} address.`
            : `Refused ${hostname}: it resolves to no address.`,
          {
            remedy:
              'The host name must resolve to Microsoft’s public addresses. Check the DNS settings of the machine ' +
              'running the connector (a hosts-file entry, a split-horizon DNS or a proxy may be redirecting it).',
          },
        );
        callback(refusal, '', undefined);
        return;
      }
      if (options.all) callback(null, list);
      else callback(null, first.address, first.family);
    });
  };
}
