export { VaultError, type VaultErrorCode } from './errors';
export {
  createKeyring,
  type Keyring,
  type LoadKeyringOptions,
  loadKeyring,
  parseKey,
  type VaultKey,
} from './keyring';
export { createVault, type Vault } from './vault';
