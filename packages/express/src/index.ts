import './augment.js';

export { keygate, requireScopes, type KeygateExpressOptions } from './middleware.js';
export { keepRawBody } from './raw-body.js';
export * from '@keygate/core';
