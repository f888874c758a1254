export type VaultErrorCode = 'invalid_key' | 'key_not_configured' | 'malformed' | 'tampered';

/** A secret could not be encrypted or decrypted; `code` says why, the message says what to do. */
export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
  }
}
