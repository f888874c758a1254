import { and, eq, ne, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { connectionSecrets, type secretName } from '../schema/index';
import type { Vault } from '../vault/index';

export type SecretName = (typeof secretName.enumValues)[number];

/** What the portal may show about a secret: that it is set and since when, never its value. */
export interface SecretStatus {
  name: SecretName;
  keyId: string;
  updatedAt: Date;
}

const contextOf = (connectionId: string, name: SecretName) => `${connectionId}/${name}`;

export function createSecretsRepository(db: Database, vault: Vault) {
  return {
    /** Stores (or replaces) a secret, encrypted under the current key. */
    async put(connectionId: string, name: SecretName, plaintext: string): Promise<void> {
      const ciphertext = vault.encrypt(plaintext, contextOf(connectionId, name));
      await db
        .insert(connectionSecrets)
        .values({ connectionId, name, keyId: vault.currentKeyId, ciphertext })
        .onConflictDoUpdate({
          target: [connectionSecrets.connectionId, connectionSecrets.name],
          set: { keyId: vault.currentKeyId, ciphertext, updatedAt: sql`now()` },
        });
    },

    /** The plaintext, for the process that calls the remote system; `undefined` when not set. */
    async reveal(connectionId: string, name: SecretName): Promise<string | undefined> {
      const [row] = await db
        .select({ ciphertext: connectionSecrets.ciphertext })
        .from(connectionSecrets)
        .where(and(eq(connectionSecrets.connectionId, connectionId), eq(connectionSecrets.name, name)));
      return row ? vault.decrypt(row.ciphertext, contextOf(connectionId, name)) : undefined;
    },

    async status(connectionId: string): Promise<SecretStatus[]> {
      return db
        .select({
          name: connectionSecrets.name,
          keyId: connectionSecrets.keyId,
          updatedAt: connectionSecrets.updatedAt,
        })
        .from(connectionSecrets)
        .where(eq(connectionSecrets.connectionId, connectionId))
        .orderBy(connectionSecrets.name);
    },

    /**
     * Key rotation: every secret not sealed under the current key is opened with the key that
     * sealed it (which must be in the keyring) and sealed again under the current key.
     * Each row is re-sealed in its own transaction with a row lock, so a rotation interrupted
     * half-way can simply be run again.
     */
    async rotate(): Promise<{ rotated: number }> {
      const stale = await db
        .select({ connectionId: connectionSecrets.connectionId, name: connectionSecrets.name })
        .from(connectionSecrets)
        .where(ne(connectionSecrets.keyId, vault.currentKeyId));
      let rotated = 0;
      for (const { connectionId, name } of stale) {
        await db.transaction(async (tx) => {
          const where = and(
            eq(connectionSecrets.connectionId, connectionId),
            eq(connectionSecrets.name, name),
          );
          const [row] = await tx.select().from(connectionSecrets).where(where).for('update');
          if (!row || row.keyId === vault.currentKeyId) return;
          const ciphertext = vault.reencrypt(row.ciphertext, contextOf(connectionId, name));
          await tx
            .update(connectionSecrets)
            .set({ ciphertext, keyId: vault.currentKeyId, updatedAt: sql`now()` })
            .where(where);
          rotated += 1;
        });
      }
      return { rotated };
    },
  };
}

export type SecretsRepository = ReturnType<typeof createSecretsRepository>;
