import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../core/errors';
import { blockedAddressReason, createGuardedLookup, createHostGuard } from './guard';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function refusal(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('host guard: production', () => {
  const guard = createHostGuard();

  it.each([
    // scheme
    ['http://contoso.crm.dynamics.com/api/data/v9.2/', /only https/],
    ['ftp://contoso.crm.dynamics.com/', /only https/],
    ['file:///etc/passwd', /only https/],
    ['javascript:alert(1)', /only https/],
    ['wss://contoso.crm.dynamics.com/', /only https/],
    // IP literals in every notation
    ['https://127.0.0.1/', /IP addresses/],
    ['https://0x7f.1/', /IP addresses/],
    ['https://2130706433/', /IP addresses/],
    ['https://0177.0.0.1/', /IP addresses/],
    ['https://127.1/', /IP addresses/],
    ['https://10.0.0.1/', /IP addresses/],
    ['https://169.254.169.254/latest/meta-data/', /IP addresses/],
    ['https://[::1]/', /IP addresses/],
    ['https://[::ffff:127.0.0.1]/', /IP addresses/],
    ['https://[fe80::1]/', /IP addresses/],
    ['https://20.42.65.89/', /IP addresses/],
    // local names
    ['https://localhost/', /local host names/],
    ['https://LOCALHOST/', /local host names/],
    ['https://crm.localhost/', /local host names/],
    ['https://intranet/', /local host names/],
    // user info
    ['https://user:pass@contoso.crm.dynamics.com/', /user name or password/],
    ['https://contoso.crm.dynamics.com@evil.example/', /user name or password/],
    // ports
    ['https://contoso.crm.dynamics.com:8443/', /port 8443/],
    ['https://contoso.operations.dynamics.com:80/', /port 80/],
    // foreign and look-alike hosts
    ['https://evil.example/contoso.crm.dynamics.com', /not a Dynamics 365/],
    ['https://contoso.crm.dynamics.com.evil.example/', /not a Dynamics 365/],
    ['https://contoso-crm.dynamics.com.evil.example/', /not a Dynamics 365/],
    ['https://crm.dynamics.com/', /not a Dynamics 365/],
    ['https://a.b.crm.dynamics.com/', /not a Dynamics 365/],
    ['https://contoso.dynamics.com/', /not a Dynamics 365/],
    ['https://contoso.crmx.dynamics.com/', /not a Dynamics 365/],
    ['https://contoso.blob.core.windows.net/', /not a Dynamics 365/],
    ['https://login.microsoftonline.com/', /not a Dynamics 365/],
    ['https://contoso.crm.dynamics.com./', /ending with a dot/],
    // malformed
    ['not a url', /spaces/],
    [' https://contoso.crm.dynamics.com/', /spaces/],
    ['https://contoso.crm.dynamics.com\\@evil.example/', /backslashes/],
    ['//contoso.crm.dynamics.com/', /not a valid absolute URL/],
  ])('refuses %s', (url, reason) => {
    const error = refusal(() => guard.check(url));
    expect(error.code).toBe('invalid_config');
    expect(error.kind).toBe('configuration');
    expect(error.message).toMatch(reason);
    expect(error.remedy).toMatch(/environment URL/);
  });

  it('never echoes a password it refuses', () => {
    const error = refusal(() => guard.check('https://admin:hunter2@contoso.crm.dynamics.com/'));
    expect(JSON.stringify(error.toJSON())).not.toContain('hunter2');
  });

  it.each([
    'https://contoso.crm.dynamics.com/api/data/v9.2/',
    'https://CONTOSO.CRM4.Dynamics.com/',
    'https://contoso.crm11.dynamics.com/',
    'https://contoso.crm9.dynamics.com/',
    'https://contoso.api.crm.dynamics.com/api/data/v9.2/WhoAmI',
    'https://contoso.api.crm4.dynamics.com/',
    'https://org-1.crm.dynamics.com:443/',
    'https://contoso.crm.microsoftdynamics.us/',
    'https://contoso.api.crm.microsoftdynamics.us/',
    'https://contoso.crm.appsplatform.us/',
    'https://contoso.crm.dynamics.cn/',
    'https://usmf-prod.operations.dynamics.com/data/CustomersV3',
    'https://contoso-uat.sandbox.operations.dynamics.com/data/',
    'https://contoso.operations.eu.dynamics.com/',
    'https://contoso-uat.sandbox.operations.eu.dynamics.com/',
    'https://devbox1234aos.cloudax.dynamics.com/',
    'https://contoso.operations.microsoftdynamics.us/',
    'https://contoso.sandbox.operations.dynamics.cn/',
  ])('accepts %s', (url) => {
    expect(guard.check(url).hostname).toBe(new URL(url).hostname);
  });

  it('accepts only Entra login hosts as authorities', () => {
    for (const host of [
      'login.microsoftonline.com',
      'login.microsoftonline.us',
      'login.partner.microsoftonline.cn',
      'login.chinacloudapi.cn',
    ]) {
      expect(guard.check(`https://${host}/00000000-0000-0000-0000-000000000001`, 'authority').host).toBe(
        host,
      );
    }
    for (const url of [
      'https://login.microsoftonline.com.evil.example/x',
      'https://login.windows.net/x',
      'https://contoso.crm.dynamics.com/',
      'http://login.microsoftonline.com/x',
      'https://login.microsoftonline.com:444/x',
    ]) {
      const error = refusal(() => guard.check(url, 'authority'));
      expect(error.code).toBe('invalid_config');
      expect(error.remedy).toMatch(/login host/);
    }
  });

  it('production origins get the DNS guard and the system CAs', () => {
    const trust = guard.trustFor('https://contoso.crm.dynamics.com');
    expect(trust.ca).toBeUndefined();
    expect(trust.lookup).toBeTypeOf('function');
  });
});

describe('host guard: sandbox mode', () => {
  const guard = createHostGuard({
    sandbox: { origins: ['https://127.0.0.1:4402', 'https://127.0.0.1:4401/'], caPem: CA },
  });

  it('accepts the exact sandbox origins, for environments and authorities', () => {
    expect(guard.check('https://127.0.0.1:4402/api/data/v9.2/WhoAmI').port).toBe('4402');
    expect(guard.check('https://127.0.0.1:4401/tenant-id', 'authority').port).toBe('4401');
    expect(guard.trustFor('https://127.0.0.1:4402')).toEqual({ ca: CA });
  });

  it('still refuses everything it does not name exactly', () => {
    for (const url of [
      'https://127.0.0.1:4403/',
      'http://127.0.0.1:4402/',
      'https://localhost:4402/',
      'https://127.0.0.1/',
      'https://user:pw@127.0.0.1:4402/',
    ]) {
      expect(refusal(() => guard.check(url)).code).toBe('invalid_config');
    }
    // ... and keeps accepting Microsoft's hosts, with the system CAs.
    expect(guard.check('https://contoso.crm.dynamics.com/').host).toBe('contoso.crm.dynamics.com');
    expect(guard.trustFor('https://contoso.crm.dynamics.com').ca).toBeUndefined();
  });

  it('needs https origins and the CA', () => {
    expect(
      refusal(() => createHostGuard({ sandbox: { origins: ['http://127.0.0.1:1'], caPem: CA } })).code,
    ).toBe('invalid_config');
    expect(
      refusal(() => createHostGuard({ sandbox: { origins: ['https://127.0.0.1:1/path'], caPem: CA } })).code,
    ).toBe('invalid_config');
    expect(
      refusal(() => createHostGuard({ sandbox: { origins: ['https://127.0.0.1:1'], caPem: '' } })).code,
    ).toBe('invalid_config');
  });
});

describe('address classification', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'unspecified, loopback or IPv4-compatible'],
    ['::', 'unspecified, loopback or IPv4-compatible'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique local (private)'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['[::1]', 'unspecified, loopback or IPv4-compatible'],
    ['contoso.crm.dynamics.com', 'not an IP address'],
  ])('%s is %s', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each(['20.42.65.89', '52.96.0.1', '172.32.0.1', '2603:1030::1', '::ffff:20.42.65.89'])(
    '%s is public',
    (address) => {
      expect(blockedAddressReason(address)).toBeUndefined();
    },
  );
});

describe('guarded lookup', () => {
  const resolver =
    (addresses: { address: string; family: number }[]): LookupFunction =>
    (_hostname, _options, callback) =>
      callback(null, addresses);

  function run(lookup: LookupFunction, all: boolean) {
    return new Promise<{ error: unknown; address: unknown; family: unknown }>((resolve) => {
      lookup('contoso.crm.dynamics.com', { all }, (error, address, family) =>
        resolve({ error, address, family }),
      );
    });
  }

  it('passes public addresses through, in both lookup forms', async () => {
    const lookup = createGuardedLookup(resolver([{ address: '20.42.65.89', family: 4 }]));
    expect(await run(lookup, true)).toMatchObject({
      error: null,
      address: [{ address: '20.42.65.89', family: 4 }],
    });
    expect(await run(lookup, false)).toMatchObject({ error: null, address: '20.42.65.89', family: 4 });
  });

  it('refuses when any address is not public, and when there is none', async () => {
    const mixed = createGuardedLookup(
      resolver([
        { address: '20.42.65.89', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ]),
    );
    const { error } = await run(mixed, false);
    expect(error).toMatchObject({ code: 'invalid_config' });
    expect((error as Error).message).toMatch(/10\.0\.0\.1, a private address/);
    expect((await run(createGuardedLookup(resolver([])), true)).error).toMatchObject({
      code: 'invalid_config',
    });
  });

  it('passes resolver errors on', async () => {
    const failing: LookupFunction = (_h, _o, callback) =>
      callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), '');
    expect((await run(createGuardedLookup(failing), true)).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
