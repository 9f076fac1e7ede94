import './augment.js';

export { keygate, requireScopes, type KeygateKoaOptions } from './middleware.js';
export {
  createVerifier,
  signRequest,
  basicAuthorization,
  KeygateError,
  isKeygateError,
  MemoryKeyStore,
  MemoryDecisionStore,
} from '@keygate/core';
export type {
  AuthContext,
  AnyKeygateError,
  ErrorCode,
  KeygateOptions,
  KeyStore,
  DecisionStore,
  Verifier,
  VerifyResult,
} from '@keygate/core';
