import './augment.js';

export { keygate, requireScopes, type KeygateKoaOptions } from './middleware.js';
export * from '@keygate/core';
