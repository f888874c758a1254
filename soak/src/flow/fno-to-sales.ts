/**
 * The F&O → Sales side of the duplicates scenario: the customers poll's progress, F&O customers
 * edited as a user, and the writes the worker made to Sales per record (the audit trail's
 * `write-*` steps that succeeded).
 */
import { type BenchHarness, type Row, sleep } from '@mlc/bench';

/** Waits for the customers poll that started after `since` to finish. */
export async function customersLoaded(h: BenchHarness, since: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await h.db.pool.query<{ value: { finishedAt: string | null } }>(
      `select cursor as value from sync_cursors where connection_id = $1 and system = 'fno' and stream = 'progress/customers'`,
      [h.connectionId],
    );
    const finished = rows[0]?.value.finishedAt;
    if (finished && Date.parse(finished) >= since) return;
    if (Date.now() > deadline) throw new Error(`the customers poll did not finish in ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Successful writes to Sales per F&O → Sales record (natural key → count). */
export async function salesWrites(h: BenchHarness): Promise<Map<string, number>> {
  const { rows } = await h.db.pool.query<{ natural_key: string; writes: number }>(
    `select r.natural_key, count(e.id)::int as writes from sync_records r
       join record_events e on e.record_id = r.id
      where r.connection_id = $1 and r.direction = 'fno_to_sales' and e.step like 'write-%' and e.outcome = 'ok'
      group by r.natural_key`,
    [h.connectionId],
  );
  return new Map(rows.map((row) => [row.natural_key, row.writes]));
}

/** `count` organisation customers of usmf that Sales has as accounts (by account number). */
export async function editableCustomers(h: BenchHarness, count: number): Promise<string[]> {
  const { body } = await h.fno<{ value: Row[] }>(
    'GET',
    `CustomersV3?cross-company=true&$filter=dataAreaId eq 'usmf' and PartyType eq Microsoft.Dynamics.DataEntities.DirPartyType'Organization'&$select=CustomerAccount`,
  );
  const out: string[] = [];
  for (const row of body.value) {
    const account = String(row['CustomerAccount']);
    const inSales = await h.dv<{ value: Row[] }>(
      'GET',
      `accounts?$select=accountid&$filter=accountnumber eq '${account}'`,
    );
    if (inSales.body.value.length > 0) out.push(account);
    if (out.length >= count) break;
  }
  return out;
}

/** A user renames an F&O customer (raises CustomerChangedBusinessEvent). */
export async function renameCustomer(h: BenchHarness, account: string, name: string): Promise<void> {
  const response = await h.fno(
    'PATCH',
    `CustomersV3(dataAreaId='usmf',CustomerAccount='${account}')?cross-company=true`,
    { OrganizationName: name },
  );
  if (response.status >= 300) throw new Error(`PATCH CustomersV3 ${account}: ${response.status}`);
}

/** The Sales account's name of an F&O customer account number. */
export async function salesAccountName(h: BenchHarness, account: string): Promise<string | undefined> {
  const { body } = await h.dv<{ value: Row[] }>(
    'GET',
    `accounts?$select=name&$filter=accountnumber eq '${account}'`,
  );
  const name = body.value[0]?.['name'];
  return name === undefined ? undefined : String(name);
}
