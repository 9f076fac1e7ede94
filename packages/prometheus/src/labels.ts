import { ERROR_STATUS } from '@keygate/core';
import { ClosedLabel } from './closed-label.js';

// Labels only ever take a value of these closed lists (`other` for anything else), so an event of a custom
// store's error, or one an app built itself, cannot create a series per value.
export const OUTCOME = new ClosedLabel('outcome', ['admitted', 'rejected'], { none: false });
export const CODE = new ClosedLabel('code', Object.keys(ERROR_STATUS), { none: true });
export const SCHEME = new ClosedLabel('scheme', ['basic', 'keypair', 'jwt'], { none: true });
export const STORE = new ClosedLabel('store', ['keys', 'decisions', 'jwks'], { none: false });
