import './augment.js';

export { keygate, requireScopes, type KeygateExpressOptions } from './middleware.js';
export { keepRawBody } from './raw-body.js';
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
