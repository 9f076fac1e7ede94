import type { Admission, Decision, FailureCount } from '@keygate/core';
import { RedisStoreError } from './errors.js';

const ADMITTED = 1;
const REPLAYED = 2;
const RATE_LIMITED = 3;

/**
 * Reads the script's reply, strictly: anything but one of the shapes the script returns for this admission is a
 * `RedisStoreError` (fail closed), never a guess.
 */
export function parseReply(reply: unknown, admission: Admission): Decision {
  const limit = admission.limit?.limit;
  if (Array.isArray(reply) && reply.every((value) => Number.isSafeInteger(value))) {
    const [outcome, remaining, resetAt] = reply as number[];
    if (reply.length === 1 && outcome === ADMITTED && limit === undefined) return { outcome: 'admitted' };
    if (reply.length === 1 && outcome === REPLAYED && admission.signature !== undefined) return { outcome: 'replayed' };
    if (reply.length === 3 && limit !== undefined && resetAt !== undefined && remaining !== undefined) {
      if (outcome === ADMITTED && remaining >= 0 && remaining < limit) {
        return { outcome: 'admitted', rateLimit: { remaining, resetAt } };
      }
      if (outcome === RATE_LIMITED && remaining === 0)
        return { outcome: 'rate-limited', rateLimit: { remaining, resetAt } };
    }
  }
  throw new RedisStoreError(`Redis decide returned an unexpected reply: ${JSON.stringify(reply)}`);
}

/** Reads a failed-attempt script's reply `{ count, resetAt }`, strictly (anything else is a `RedisStoreError`). */
export function parseFailureReply(reply: unknown, operation: string): FailureCount {
  if (Array.isArray(reply) && reply.length === 2 && reply.every((value) => Number.isSafeInteger(value) && value >= 0)) {
    const [count, resetAt] = reply as [number, number];
    return { count, resetAt };
  }
  throw new RedisStoreError(`Redis ${operation} returned an unexpected reply: ${JSON.stringify(reply)}`);
}
