/** What only the adapters need: reading Node requests and writing the error answer. `@keygate/core/node`. */
export { peekRequestBody, rawBodyUnavailable } from './body.js';
export { errorResponse } from './error-response.js';
export { requestHeaders } from './headers.js';
export { scopeCheck } from './scope-check.js';
export { verifierFrom, type AdapterOptions } from './verifier-from.js';
export { verifyDeferred } from './verify-deferred.js';
export type { DeferredVerification } from '../observe/deferred.js';
