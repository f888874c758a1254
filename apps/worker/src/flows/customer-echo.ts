import { fetchFnoRecord } from '@mlc/connectors';
import type { RecordsRepository } from '@mlc/db';
import { contentHash, toCrmAccount, toCrmContact } from '@mlc/mappings';
import type { SyncRuntime } from './runtime';

/**
 * No echo: a customer we just created in F&O from a CRM account or contact would come back on the
 * next customer poll as a "new" F&O customer and be written onto that same CRM row. So, right after
 * creating it, we read it back once and store the hash of what the poll would write, as if the
 * poll had written it: the poll then finds it unchanged and writes nothing, until someone changes
 * the customer in F&O.
 */
export async function rememberCreatedCustomer(
  runtime: SyncRuntime,
  records: RecordsRepository,
  correlationId: string,
  created: { dataAreaId: string; customerAccount: string; crm: { table: 'account' | 'contact'; id: string } },
): Promise<'remembered' | 'not found' | 'not mappable'> {
  const row = await fetchFnoRecord(
    runtime.fno.ctx,
    runtime.fno.config,
    'CustomersV3',
    { dataAreaId: created.dataAreaId, CustomerAccount: created.customerAccount },
    { priority: 'live' },
  );
  if (!row) return 'not found';
  const mapped =
    created.crm.table === 'contact' ? toCrmContact(row, { contactId: created.crm.id }) : toCrmAccount(row);
  if (!mapped.ok) return 'not mappable';
  const naturalKey = `${created.dataAreaId}/${created.customerAccount}`;
  await records.recordBulk(
    { connectionId: runtime.connectionId, direction: 'fno_to_sales', entity: 'customer' },
    [
      {
        naturalKey,
        sourceId: naturalKey,
        label: created.customerAccount,
        targetDataAreaId: created.dataAreaId,
        ok: true,
        targetKey: created.crm.id,
        contentHash: contentHash(mapped.value),
        input: { origin: 'created from CRM by ml-connector: not written back' },
      },
    ],
    { step: 'remember-created-customer', correlationId, startedAt: new Date(), durationMs: 0 },
  );
  return 'remembered';
}
