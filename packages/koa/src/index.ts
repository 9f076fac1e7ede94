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
  type AuthContext,
  type AnyKeygateError,
  type ErrorCode,
  type KeygateOptions,
  type KeyStore,
  type DecisionStore,
  type Verifier,
  type VerifyResult,
} from '@keygate/core';
