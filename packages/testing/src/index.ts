export { testClock, TEST_CLOCK_START, type TestClock } from './clock.js';
export {
  credentialHeaders,
  type AuthorizeOptions,
  type RequestToAuthorize,
  type TestCredential,
} from './credentials.js';
export { keygateRequest, type ChainableRequest, type KeygateRequest, type RequestAgent } from './supertest.js';
export { TestKeys, type TestBasicKey, type TestKeyOptions, type TestKeyPair } from './test-keys.js';
export {
  createTestJwtIssuer,
  type TestJwtAlgorithm,
  type TestJwtClaims,
  type TestJwtIssuer,
  type TestJwtIssuerOptions,
} from './jwt.js';
