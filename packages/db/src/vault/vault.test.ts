import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VaultError } from './errors';
import { createKeyring, loadKeyring, parseKey } from './keyring';
import { createVault } from './vault';

const newKey = () => parseKey(randomBytes(32).toString('base64'), 'test key');

describe('vault', () => {
  it('round-trips and never stores the plaintext', () => {
    const vault = createVault(createKeyring(newKey()));
    const envelope = vault.encrypt('client-secret-value~1', 'c1/sales_client_secret');
    expect(envelope).not.toContain('client-secret-value');
    expect(envelope.startsWith(`mlc1.${vault.currentKeyId}.`)).toBe(true);
    expect(vault.decrypt(envelope, 'c1/sales_client_secret')).toBe('client-secret-value~1');
    // Fresh randomness each time.
    expect(vault.encrypt('same', 'c')).not.toBe(vault.encrypt('same', 'c'));
  });

  it('detects tampering with any part of the envelope', () => {
    const vault = createVault(createKeyring(newKey()));
    const envelope = vault.encrypt('s3cret', 'ctx');
    const parts = envelope.split('.');
    for (const index of [2, 3]) {
      const bytes = Buffer.from(parts[index] ?? '', 'base64url');
      bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0x01;
      const altered = parts.map((p, i) => (i === index ? bytes.toString('base64url') : p)).join('.');
      expect(() => vault.decrypt(altered, 'ctx')).toThrow(expect.objectContaining({ code: 'tampered' }));
    }
    expect(() => vault.decrypt('not-an-envelope', 'ctx')).toThrow(
      expect.objectContaining({ code: 'malformed' }),
    );
  });

  it('refuses an envelope moved to another record (context is authenticated)', () => {
    const vault = createVault(createKeyring(newKey()));
    const envelope = vault.encrypt('s3cret', 'conn-a/sales_client_secret');
    expect(() => vault.decrypt(envelope, 'conn-b/sales_client_secret')).toThrow(VaultError);
  });

  it('names the missing key when opened with the wrong key', () => {
    const sealedWith = newKey();
    const envelope = createVault(createKeyring(sealedWith)).encrypt('s3cret', 'ctx');
    const other = createVault(createKeyring(newKey()));
    expect(() => other.decrypt(envelope, 'ctx')).toThrow(
      expect.objectContaining({
        code: 'key_not_configured',
        message: expect.stringContaining(sealedWith.id),
      }),
    );
  });

  it('rejects keys that are not 32 bytes of base64, with a remedy', () => {
    expect(() => parseKey('c2hvcnQ=', 'MLC_ENCRYPTION_KEY')).toThrow(
      /MLC_ENCRYPTION_KEY must be 32 random bytes/,
    );
    expect(() => parseKey('not base64 at all!!', 'MLC_ENCRYPTION_KEY')).toThrow(VaultError);
  });

  it('generates a development key once, and refuses to in production', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlc-vault-'));
    const first = loadKeyring({ devKeyDir: dir, production: false });
    const second = loadKeyring({ devKeyDir: dir, production: false });
    expect(second.current.id).toBe(first.current.id);
    expect(readFileSync(path.join(dir, 'encryption.key'), 'utf8').trim()).toHaveLength(44);
    expect(() => loadKeyring({ devKeyDir: dir, production: true })).toThrow(/required in production/);
  });
});
