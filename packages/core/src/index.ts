export { createVerifier, type Verifier, type VerifyResult } from './verifier.js';
export type { KeygateOptions, KeyPairOptions, SignaturePolicy } from './options.js';
export {
  KeygateError,
  isKeygateError,
  ERROR_STATUS,
  type AnyKeygateError,
  type ErrorCode,
  type ErrorDetails,
  type ErrorEnvelope,
  type SignatureFailure,
  type TimestampFailure,
  type TokenFailure,
} from './errors.js';
export type { JwtOptions, JwtKeySource, PublicKeyInput } from './jwt/options.js';
export { JwksUnavailableError } from './jwt/key-source.js';
export { KeygateConfigError, type ConfigErrorCode } from './config-error.js';
export type { DecisionEvent } from './observe/decision-event.js';
export type { DecisionReason } from './observe/reasons.js';
export type { KeygateLogger } from './observe/logger.js';
export type { StoreName } from './observe/reporter.js';
export { signRequest, type SignRequestInput, type SignatureVersion } from './signature/sign.js';
export { basicAuthorization } from './schemes/basic.js';
export { missingScopes } from './scopes.js';
export { generateApiKey, generateKeyPair } from './keys/generate.js';
export { MemoryKeyStore } from './keys/memory-key-store.js';
export { CachedKeyStore, type CachedKeyStoreOptions } from './keys/cached-key-store.js';
export {
  KeysFileError,
  parseKeysFile,
  readKeysFile,
  readKeysFileData,
  type KeysFile,
  type KeysFileEntry,
} from './keys/keys-file.js';
export { MemoryDecisionStore, type MemoryDecisionStoreOptions } from './decision/memory-store.js';
export { StoreFullError } from './decision/store-full-error.js';
export type * from './types.js';
export {
  openApiSecurity,
  openApiSecuritySchemes,
  type OpenApiSecurityRequirement,
  type OpenApiSecurityScheme,
} from './openapi/security-schemes.js';
