export { PostgresKeyStore, type PostgresKeyStoreOptions } from './key-store.js';
export { PostgresKeyAdmin, KeyAdminError, type KeyAdminFailure, type KeyListing, type NewKey } from './admin.js';
export { migrate, SCHEMA_VERSION } from './migrations.js';
export {
  SecretSealer,
  EncryptionKeyError,
  SealedSecretError,
  ENCRYPTION_KEY_VARIABLE,
  PREVIOUS_ENCRYPTION_KEYS_VARIABLE,
} from './encryption.js';
