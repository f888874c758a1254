import { randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import { schema } from '../src/index';
import { createSecretsRepository } from '../src/repositories/secrets';
import { dbTest } from '../src/testing/index';
import { createKeyring, createVault, parseKey } from '../src/vault/index';

const newKey = () => parseKey(randomBytes(32).toString('base64'), 'test key');

async function seedConnection(db: Parameters<typeof createSecretsRepository>[0]) {
  const [workspace] = await db
    .insert(schema.workspaces)
    .values({ name: 'Contoso', slug: 'contoso' })
    .returning();
  const [connection] = await db
    .insert(schema.connections)
    .values({
      workspaceId: workspace?.id ?? '',
      name: 'prod',
      entraTenantId: '00000000-0000-0000-0000-000000000001',
      salesUrl: 'https://contoso.crm.dynamics.com',
      salesClientId: 'app-1',
      fnoUrl: 'https://contoso.operations.dynamics.com',
      fnoClientId: 'app-1',
      settings: {} as never,
    })
    .returning();
  return connection?.id ?? '';
}

describe('secrets repository (real Postgres)', () => {
  dbTest('stores only ciphertext and reveals the plaintext', async ({ database }) => {
    const vault = createVault(createKeyring(newKey()));
    const secrets = createSecretsRepository(database.db, vault);
    const connectionId = await seedConnection(database.db);
    await secrets.put(connectionId, 'sales_client_secret', 'Abc~123.secret');
    const raw = await database.pool.query('select ciphertext, key_id from connection_secrets');
    expect(JSON.stringify(raw.rows)).not.toContain('Abc~123.secret');
    expect(raw.rows[0]?.key_id).toBe(vault.currentKeyId);
    expect(await secrets.reveal(connectionId, 'sales_client_secret')).toBe('Abc~123.secret');
    expect(await secrets.reveal(connectionId, 'fno_client_secret')).toBeUndefined();
    expect((await secrets.status(connectionId)).map((s) => s.name)).toEqual(['sales_client_secret']);
  });

  dbTest('a tampered row gives a clear error', async ({ database }) => {
    const vault = createVault(createKeyring(newKey()));
    const secrets = createSecretsRepository(database.db, vault);
    const connectionId = await seedConnection(database.db);
    await secrets.put(connectionId, 'sales_client_secret', 'one');
    await secrets.put(connectionId, 'fno_client_secret', 'two');
    // Swap the two envelopes: each is intact, but bound to the other field.
    await database.pool.query(
      `update connection_secrets set ciphertext = (select ciphertext from connection_secrets s2
         where s2.connection_id = connection_secrets.connection_id and s2.name <> connection_secrets.name)`,
    );
    await expect(secrets.reveal(connectionId, 'sales_client_secret')).rejects.toMatchObject({
      code: 'tampered',
    });
  });

  dbTest('rotation re-encrypts every secret under the new key', async ({ database }) => {
    const oldKey = newKey();
    const connectionId = await seedConnection(database.db);
    const before = createSecretsRepository(database.db, createVault(createKeyring(oldKey)));
    await before.put(connectionId, 'sales_client_secret', 'sales-secret');
    await before.put(connectionId, 'fno_client_secret', 'fno-secret');

    const nextKey = newKey();
    const rotatedVault = createVault(createKeyring(nextKey, [oldKey]));
    const after = createSecretsRepository(database.db, rotatedVault);
    expect(await after.rotate()).toEqual({ rotated: 2 });
    expect(await after.rotate()).toEqual({ rotated: 0 });

    const keys = await database.pool.query('select distinct key_id from connection_secrets');
    expect(keys.rows).toEqual([{ key_id: nextKey.id }]);
    // The old key is no longer needed.
    const onlyNew = createSecretsRepository(database.db, createVault(createKeyring(nextKey)));
    expect(await onlyNew.reveal(connectionId, 'fno_client_secret')).toBe('fno-secret');
    // And a process still holding only the old key is told which key it lacks.
    const onlyOld = createSecretsRepository(database.db, createVault(createKeyring(oldKey)));
    await expect(onlyOld.reveal(connectionId, 'fno_client_secret')).rejects.toMatchObject({
      code: 'key_not_configured',
    });
  });
});
