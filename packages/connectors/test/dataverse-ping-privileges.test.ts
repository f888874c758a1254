import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDataverseHttpClient,
  dataverseConfigSchema,
  dataverseConnector,
  runPing,
  systemClock,
} from '../src/index';
import { type EntraStandIn, startEntraStandIn } from './entra-stand-in';
import { json, memoryLogger, startServer, type TestServer } from './helpers';

/**
 * The one ping case the sandbox cannot show (its Dataverse has no security roles): a table the
 * application user may not read. A stand-in environment answers 403 with Dataverse's
 * PrivilegeDenied body for three tables; the ping names each with the missing privilege and the
 * admin-center path to the user's security roles, and passes the rest.
 */

let entra: EntraStandIn;
let environment: TestServer;
const userId = randomUUID();
const denied = new Set(['productpricelevels', 'serviceendpoints', 'sdkmessageprocessingstepimages']);

beforeAll(async () => {
  entra = await startEntraStandIn();
  environment = await startServer((req, res, received) => {
    const url = new URL(req.url ?? '/', 'https://x.invalid');
    const path = decodeURIComponent(url.pathname.replace('/api/data/v9.2/', ''));
    if (path === '$batch') {
      // GETs outside changesets, answered in order (Dataverse's $batch answer shape).
      const sets = [...received.body.matchAll(/^GET \/api\/data\/v9\.2\/([a-z]+)\?/gm)].map(
        (m) => m[1] ?? '',
      );
      const boundary = `batchresponse_${randomUUID()}`;
      const parts = sets.map((set) => {
        const [status, body] = denied.has(set) ? [403, privilegeError(set)] : [200, { value: [] }];
        return [
          `--${boundary}`,
          'Content-Type: application/http',
          'Content-Transfer-Encoding: binary',
          '',
          `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Forbidden'}`,
          'Content-Type: application/json; odata.metadata=minimal',
          'OData-Version: 4.0',
          '',
          JSON.stringify(body),
        ].join('\r\n');
      });
      res.writeHead(200, { 'content-type': `multipart/mixed; boundary=${boundary}`, 'odata-version': '4.0' });
      res.end(`${parts.join('\r\n')}\r\n--${boundary}--\r\n`);
    } else if (path === 'WhoAmI') {
      json(res, 200, { UserId: userId, BusinessUnitId: randomUUID(), OrganizationId: randomUUID() });
    } else if (path.startsWith('systemusers(')) {
      json(res, 200, { fullname: '# ml-connector', applicationid: entra.clientId, isdisabled: false });
    } else if (path.startsWith('EntityDefinitions(') && path.endsWith('/Keys')) {
      const table = /LogicalName='([a-z]+)'/.exec(path)?.[1] ?? '';
      const column = table === 'account' ? 'accountnumber' : 'productnumber';
      json(res, 200, {
        value: [
          {
            LogicalName: `mlc_${column}`,
            SchemaName: `mlc_${column}`,
            KeyAttributes: [column],
            EntityKeyIndexStatus: 'Active',
          },
        ],
      });
    } else if (path === 'EntityDefinitions') {
      const tables = [...(url.searchParams.get('$filter') ?? '').matchAll(/LogicalName eq '([a-z]+)'/g)];
      json(res, 200, { value: tables.map((m) => ({ LogicalName: m[1], ChangeTrackingEnabled: true })) });
    } else if (denied.has(path)) {
      json(res, 403, privilegeError(path));
    } else {
      json(res, 200, { value: [] });
    }
  });
});

function privilegeError(entitySet: string) {
  const table = entitySet.replace(/s$/, '');
  return {
    error: {
      code: '0x80040220',
      message: `Principal user (Id=${userId}, type=8, roleCount=1, privilegeCount=412, accessMode=4), is missing prvRead${table} privilege (Id=${randomUUID()}) on OTC=1026 for entity '${table}'.`,
    },
  };
}

afterAll(async () => {
  await environment?.close();
  await entra?.close();
});

describe('dataverse ping: privileges', () => {
  it('names each table the app user may not read, with the missing privilege and the remedy', async () => {
    const config = dataverseConfigSchema.parse({
      url: environment.origin,
      authorityHost: entra.origin,
      tenantId: entra.tenantId,
      clientId: entra.clientId,
      clientSecret: entra.clientSecret,
      sandbox: { caPem: inject('tls').caPem },
    });
    const { logger } = memoryLogger();
    const http = createDataverseHttpClient(config, { logger });
    try {
      const checks = await runPing(
        dataverseConnector,
        { http, logger, signal: new AbortController().signal, clock: systemClock },
        config,
      );
      const failing = checks.filter((check) => !check.ok);
      expect(failing.map((check) => check.name)).toEqual([
        'read productpricelevel',
        'read serviceendpoint',
        'read sdkmessageprocessingstepimage',
      ]);
      expect(failing[0]).toMatchObject({
        detail: expect.stringContaining('is missing prvReadproductpricelevel privilege'),
        remedy: expect.stringContaining(
          'Settings > Users + permissions > Application users > the app > Edit security roles',
        ),
      });
      expect(checks.filter((check) => check.ok).length).toBeGreaterThan(15);
    } finally {
      await http.close();
    }
  });
});
