import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityStatus } from '../src/dataverse';
import { seedFacts } from '../src/dataverse/seed/seed';
import { type Harness, startHarness } from './dataverse-harness';

/** The activity generator (`/_sandbox/activity` on the Dataverse port), over real HTTP. */

type Row = Record<string, unknown>;

const control = (h: Harness, method: string, body?: unknown) =>
  h.fetch(`${h.origin}/_sandbox/activity`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function status(h: Harness): Promise<ActivityStatus> {
  return (await (await control(h, 'GET')).json()) as ActivityStatus;
}

/** Starts a run that stops by itself after `maxActions` steps and waits for it. */
async function runSteps(h: Harness, seed: number, maxActions: number): Promise<ActivityStatus> {
  const started = await control(h, 'PUT', { ratePerMinute: 60_000, seed, maxActions });
  expect(started.status).toBe(200);
  for (let i = 0; i < 200; i++) {
    const current = await status(h);
    if (!current.running) return current;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the activity generator did not finish');
}

const BUSINESS_COLUMNS: Record<string, string> = {
  account: 'accounts?$select=name,accountnumber,address1_country,address1_city,_transactioncurrencyid_value',
  contact: 'contacts?$select=fullname,emailaddress1,_parentcustomerid_value',
  opportunity: 'opportunities?$select=name,statecode,statuscode,estimatedvalue,actualvalue,_customerid_value',
  salesorder: 'salesorders?$select=name,ordernumber,statecode,totalamount,_customerid_value',
};

/** The rows a run created, read back through the Web API (business columns, no timestamps). */
async function createdRows(h: Harness, run: ActivityStatus): Promise<Row[]> {
  const rows: Row[] = [];
  for (const step of run.recent) {
    const [set, select] = (BUSINESS_COLUMNS[step.entity] ?? '').split('?');
    const row = await h.json<Row>(`${set}(${step.id})?${select}`);
    delete row['@odata.context'];
    delete row['@odata.etag'];
    rows.push({ kind: step.kind, ...row });
  }
  return rows;
}

describe('Dataverse activity generator', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h.close();
  });

  it('validates its control API', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{}, ['ratePerMinute']],
      [{ ratePerMinute: 0 }, ['ratePerMinute']],
      [{ ratePerMinute: 10, mix: { wins: 0 } }, ['mix']],
      [{ ratePerMinute: 10, mix: { deals: 1 } }, ['mix', 'mix']],
      [{ ratePerMinute: 10, seed: -1, speed: 2 }, ['(body)', 'seed']],
    ];
    for (const [body, paths] of cases) {
      const response = await control(h, 'PUT', body);
      expect(response.status).toBe(400);
      const error = ((await response.json()) as { error: { code: string; issues: Array<{ path: string }> } })
        .error;
      expect(error.code).toBe('invalid_activity');
      expect(error.issues.map((issue) => issue.path).sort()).toEqual(paths);
    }
    const post = await control(h, 'POST', {});
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, PUT, DELETE']);
    expect((await status(h)).running).toBe(false);
  });

  it('works at the chosen rate, and stops when told to', async () => {
    const started = await control(h, 'PUT', { ratePerMinute: 1200, seed: 1 });
    expect(started.status).toBe(200);
    expect(await started.json()).toMatchObject({ running: true, ratePerMinute: 1200, seed: 1 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const stopped = (await (await control(h, 'DELETE')).json()) as ActivityStatus;
    expect(stopped.running).toBe(false);
    const elapsed = Date.parse(stopped.stoppedAt ?? '') - Date.parse(stopped.startedAt ?? '');
    // The first step at once, then one every 50 ms.
    const expected = 1 + Math.floor((elapsed * 1200) / 60_000);
    // A busy event loop delays steps until the next tick, which catches up.
    expect(stopped.actions).toBeGreaterThanOrEqual(expected - Math.max(3, expected / 4));
    expect(stopped.actions).toBeLessThanOrEqual(expected);
    expect(stopped.actions).toBeGreaterThanOrEqual(8);
    expect(stopped.errors).toBe(0);

    const store = await h.service.currentStore();
    const version = store.version;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await status(h)).actions).toBe(stopped.actions);
    expect(store.version).toBe(version);
  });

  it('creates what reps create, through the Web API write path, seen by change tracking', async () => {
    const track = { headers: { Prefer: 'odata.track-changes' } };
    const deltaLinks: Record<string, string> = {};
    for (const set of ['accounts', 'contacts', 'opportunities', 'salesorders', 'salesorderdetails']) {
      const initial = await h.json<{ '@odata.deltaLink': string }>(`${set}?$select=createdon`, track);
      deltaLinks[set] = initial['@odata.deltaLink'];
    }

    const store = await h.service.currentStore();
    const before = store.version;
    // Committed change events: what webhooks are fed with.
    const events = new Map<string, number>();
    const detach = store.onChange((event) => {
      const key = `${event.entity}:${event.operation}`;
      events.set(key, (events.get(key) ?? 0) + 1);
    });
    const run = await runSteps(h, 7, 150);
    detach();
    expect(run.actions).toBe(150);
    expect(run.errors).toBe(0);
    expect(run.lastError).toBeNull();
    for (const kind of ['accounts', 'contacts', 'opportunities', 'wins', 'orders'] as const)
      expect(run.byKind[kind]).toBeGreaterThan(0);
    expect(run.won).toBe(run.byKind.wins);
    expect(run.submitted).toBeGreaterThan(0);
    expect(run.created['opportunityproduct']).toBeGreaterThanOrEqual(run.created['opportunity'] ?? 1);
    expect(run.created['salesorderdetail']).toBeGreaterThanOrEqual(run.created['salesorder'] ?? 1);
    for (const entity of ['account', 'contact', 'opportunity', 'opportunityproduct', 'salesorder'])
      expect(events.get(`${entity}:create`)).toBe(run.created[entity]);
    expect(events.get('opportunityclose:create')).toBe(run.won);

    // Attributed to seeded sales reps (interactive users, not the admin or an application user).
    const facts = seedFacts((await h.service.currentStore()).seed);
    const reps = new Set(run.recent.map((step) => step.userId));
    for (const userId of reps) {
      const user = await h.json<Row>(`systemusers(${userId})?$select=fullname,accessmode,applicationid`);
      expect(user['accessmode']).toBe(0);
      expect(user['applicationid']).toBeNull();
      expect(userId).not.toBe(facts.adminUserId);
    }

    // Accounts with account numbers and countries.
    const accounts = await h.json<{ value: Row[] }>(
      `accounts?$select=name,accountnumber,address1_country,_createdby_value&$filter=createdon ge ${run.startedAt?.slice(0, 19)}Z and versionnumber gt ${before}`,
    );
    expect(accounts.value.length).toBe(run.created['account']);
    expect(accounts.value.some((a) => typeof a['accountnumber'] === 'string')).toBe(true);
    expect(new Set(accounts.value.map((a) => a['address1_country'])).size).toBeGreaterThan(1);
    for (const account of accounts.value) expect(reps.has(String(account['_createdby_value']))).toBe(true);

    // Orders with lines, Active and Submitted, some for contacts (polymorphic customer).
    const orders = await h.json<{ value: Row[] }>(
      `salesorders?$select=name,statecode,totallineitemamount,_customerid_value&$expand=order_details($select=quantity,priceperunit,extendedamount)&$filter=createdon ge ${run.startedAt?.slice(0, 19)}Z and versionnumber gt ${before}`,
      { headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' } },
    );
    expect(orders.value.length).toBe(run.created['salesorder']);
    for (const order of orders.value) {
      const lines = order['order_details'] as Row[];
      expect(lines.length).toBeGreaterThan(0);
      const sum = lines.reduce((total, line) => total + Number(line['extendedamount']), 0);
      expect(order['totallineitemamount']).toBeCloseTo(sum, 2);
    }
    expect(new Set(orders.value.map((o) => o['statecode']))).toEqual(new Set([0, 1]));
    expect(
      new Set(orders.value.map((o) => o['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'])),
    ).toEqual(new Set(['account', 'contact']));

    // Won opportunities carry the WinOpportunity columns.
    const won = await h.json<{ value: Row[] }>(
      `opportunities?$select=statecode,statuscode,actualvalue,estimatedvalue,actualclosedate&$filter=statecode eq 1 and versionnumber gt ${before}`,
    );
    expect(won.value.length).toBe(run.won);
    for (const opportunity of won.value) {
      expect(opportunity['statuscode']).toBe(3);
      expect(opportunity['actualvalue']).toBe(opportunity['estimatedvalue']);
      expect(opportunity['actualclosedate']).toBe(new Date().toISOString().slice(0, 10));
    }
    // … through WinOpportunity itself: each has its Completed opportunityclose.
    const closes = await h.json<{ value: Row[] }>(
      `opportunitycloses?$select=subject,statecode,actualrevenue,_opportunityid_value&$filter=versionnumber gt ${before}`,
    );
    expect(new Set(closes.value.map((close) => close['_opportunityid_value']))).toEqual(
      new Set(won.value.map((opportunity) => opportunity['opportunityid'])),
    );
    for (const close of closes.value)
      expect([close['subject'], close['statecode']]).toEqual(['Won Opportunity', 1]);

    // Change tracking sees every new row.
    const created: Record<string, string> = {
      accounts: 'account',
      contacts: 'contact',
      opportunities: 'opportunity',
      salesorders: 'salesorder',
      salesorderdetails: 'salesorderdetail',
    };
    for (const [set, link] of Object.entries(deltaLinks)) {
      const delta = await h.json<{ value: Row[] }>(link, track);
      expect(delta.value.length).toBeGreaterThanOrEqual(run.created[created[set] ?? ''] ?? 0);
    }
  });

  it('is deterministic: the same seed on the same data gives the same rows', async () => {
    const first = await startHarness();
    const second = await startHarness();
    try {
      const [a, b] = [await runSteps(first, 99, 40), await runSteps(second, 99, 40)];
      expect(a.recent.map((step) => [step.kind, step.entity, step.id, step.name, step.userId])).toEqual(
        b.recent.map((step) => [step.kind, step.entity, step.id, step.name, step.userId]),
      );
      const rows = await createdRows(first, a);
      expect(rows).toEqual(await createdRows(second, b));
      expect(rows.length).toBe(40);
      const other = await runSteps(second, 100, 5);
      expect(other.recent.map((step) => step.id)).not.toEqual(a.recent.slice(0, 5).map((step) => step.id));
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('stops when the service closes or resets', async () => {
    const other = await startHarness();
    await control(other, 'PUT', { ratePerMinute: 6000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await other.service.reset();
    expect((await status(other)).running).toBe(false);
    await control(other, 'PUT', { ratePerMinute: 6000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const store = await other.service.currentStore();
    await other.close();
    const version = store.version;
    expect(version).toBeGreaterThan(store.changeLogFloor);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.version).toBe(version);
  });

  it('never keeps the process alive', async () => {
    const script = fileURLToPath(new URL('./fixtures/activity-keepalive.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(null);
      }, 15_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/running true, actions [1-9]/);
  });
});
