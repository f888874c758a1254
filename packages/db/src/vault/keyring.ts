import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@mlc/logger';
import { VaultError } from './errors';

export interface VaultKey {
  /** Derived from the key material, so an envelope names the key that sealed it without revealing it. */
  id: string;
  material: Buffer;
}

export interface Keyring {
  current: VaultKey;
  /** Every key that can still open envelopes, the current one included. */
  byId: ReadonlyMap<string, VaultKey>;
}

export function parseKey(base64: string, source: string): VaultKey {
  const text = base64.trim();
  const material = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || material.length !== 32) {
    throw new VaultError(
      'invalid_key',
      `${source} must be 32 random bytes in base64 (44 characters); got ${material.length} bytes. ` +
        "Generate one with: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64'))\"",
    );
  }
  const id = `k${createHash('sha256').update('mlc-vault-key-id\0').update(material).digest('hex').slice(0, 12)}`;
  return { id, material };
}

export function createKeyring(current: VaultKey, previous: readonly VaultKey[] = []): Keyring {
  const byId = new Map<string, VaultKey>();
  for (const key of [current, ...previous]) byId.set(key.id, key);
  return { current, byId };
}

export interface LoadKeyringOptions {
  /** `MLC_ENCRYPTION_KEY`: the key new secrets are sealed with. */
  encryptionKey?: string | undefined;
  /** `MLC_ENCRYPTION_KEYS_PREVIOUS`: comma-separated older keys, kept only to open and re-seal. */
  previousKeys?: string | undefined;
  /** Where a development key is generated once when no key is configured (e.g. `<project>/.data`). */
  devKeyDir: string;
  /** In production a missing key is an error, never a generated one. */
  production: boolean;
  logger?: Logger;
}

export function loadKeyring(options: LoadKeyringOptions): Keyring {
  const previous = (options.previousKeys ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
    .map((value, index) => parseKey(value, `MLC_ENCRYPTION_KEYS_PREVIOUS[${index}]`));
  if (options.encryptionKey)
    return createKeyring(parseKey(options.encryptionKey, 'MLC_ENCRYPTION_KEY'), previous);
  if (options.production) {
    throw new VaultError(
      'invalid_key',
      'MLC_ENCRYPTION_KEY is required in production (32 random bytes, base64)',
    );
  }
  const file = path.join(options.devKeyDir, 'encryption.key');
  if (!existsSync(file)) {
    mkdirSync(options.devKeyDir, { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process generated it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    options.logger?.warn(
      { file },
      'MLC_ENCRYPTION_KEY is not set: generated a development key; set MLC_ENCRYPTION_KEY for any real use',
    );
  }
  return createKeyring(parseKey(readFileSync(file, 'utf8'), file), previous);
}
