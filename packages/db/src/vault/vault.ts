import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { VaultError } from './errors';
import type { Keyring, VaultKey } from './keyring';

/**
 * AES-256-GCM envelope encryption.
 *
 * Each secret is sealed with its own random data key; the data key is sealed with the keyring's
 * current key (the key-encryption key). The envelope is one ASCII string:
 *
 *   mlc1.<keyId>.<iv+sealed data key+tag>.<iv+ciphertext+tag>   (base64url parts)
 *
 * The `context` (e.g. `<connectionId>/sales_client_secret`) is bound as additional authenticated
 * data, so an envelope copied onto another row or field does not open. Any change to any part of
 * the envelope fails authentication.
 */
export interface Vault {
  readonly currentKeyId: string;
  encrypt(plaintext: string, context: string): string;
  decrypt(envelope: string, context: string): string;
  /** The key id an envelope was sealed with, without opening it. */
  keyIdOf(envelope: string): string;
  /** Opens with whichever configured key sealed it and seals again under the current key. */
  reencrypt(envelope: string, context: string): string;
}

const VERSION = 'mlc1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createVault(keyring: Keyring): Vault {
  const keyFor = (keyId: string): VaultKey => {
    const key = keyring.byId.get(keyId);
    if (!key) {
      throw new VaultError(
        'key_not_configured',
        `this secret was encrypted with key ${keyId}, which is not configured (current key: ` +
          `${keyring.current.id}). Set the key that sealed it in MLC_ENCRYPTION_KEYS_PREVIOUS, ` +
          'or enter the secret again.',
      );
    }
    return key;
  };

  const vault: Vault = {
    currentKeyId: keyring.current.id,

    encrypt(plaintext, context) {
      const kek = keyring.current;
      const dataKey = randomBytes(32);
      const sealedKey = seal(kek.material, dataKey, `${VERSION}|${kek.id}`);
      const sealedData = seal(dataKey, Buffer.from(plaintext, 'utf8'), `${VERSION}|${context}`);
      dataKey.fill(0);
      return [VERSION, kek.id, sealedKey.toString('base64url'), sealedData.toString('base64url')].join('.');
    },

    decrypt(envelope, context) {
      const parts = parse(envelope);
      const kek = keyFor(parts.keyId);
      const dataKey = open(kek.material, parts.sealedKey, `${VERSION}|${kek.id}`);
      try {
        return open(dataKey, parts.sealedData, `${VERSION}|${context}`).toString('utf8');
      } finally {
        dataKey.fill(0);
      }
    },

    keyIdOf: (envelope) => parse(envelope).keyId,

    reencrypt(envelope, context) {
      return vault.encrypt(vault.decrypt(envelope, context), context);
    },
  };
  return vault;
}

/** iv || ciphertext || tag */
function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw malformed('a sealed part is too short');
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new VaultError(
      'tampered',
      'the encrypted secret failed its integrity check: it was altered, copied from another record, ' +
        'or sealed under a different key with the same id. Enter the secret again.',
    );
  }
}

function parse(envelope: string): { keyId: string; sealedKey: Buffer; sealedData: Buffer } {
  const parts = envelope.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw malformed(`expected "${VERSION}.<keyId>.<key>.<data>", got ${parts.length} parts`);
  }
  const [, keyId = '', sealedKey = '', sealedData = ''] = parts;
  if (!/^k[0-9a-f]{12}$/.test(keyId)) throw malformed('the key id is not valid');
  return {
    keyId,
    sealedKey: Buffer.from(sealedKey, 'base64url'),
    sealedData: Buffer.from(sealedData, 'base64url'),
  };
}

function malformed(detail: string): VaultError {
  return new VaultError('malformed', `not an encrypted secret envelope: ${detail}`);
}
