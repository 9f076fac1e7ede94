import type { Admission } from '@keygate/core';
import type { ScriptCall } from './decision-script.js';
import { keyNames } from './key-names.js';

/**
 * Checks an admission and turns it into the script's arguments. The script keeps times as integer strings and
 * Lua would round fractions in its replies, so times and limits must be whole numbers; a mistake rejects with a
 * `TypeError` before Redis is called.
 */
export function scriptArguments(prefix: string, admission: Admission): ScriptCall {
  const invalid = (rule: string) => new TypeError(`RedisDecisionStore.decide: ${rule}`);
  const { key, now, limit, signature } = admission;
  if (typeof key !== 'string' || key === '') throw invalid('key must be a non-empty string');
  if (!Number.isSafeInteger(now) || now < 0) throw invalid('now must be Unix time in whole milliseconds');
  if (limit !== undefined) {
    if (!Number.isSafeInteger(limit.limit) || limit.limit < 1) throw invalid('limit.limit must be a positive integer');
    if (!Number.isSafeInteger(limit.windowMs) || limit.windowMs < 1)
      throw invalid('limit.windowMs must be a positive integer');
  }
  if (signature !== undefined) {
    if (typeof signature.id !== 'string' || signature.id === '')
      throw invalid('signature.id must be a non-empty string');
    if (!Number.isSafeInteger(signature.expiresAt))
      throw invalid('signature.expiresAt must be Unix time in whole milliseconds');
  }

  const names = keyNames(prefix, key);
  return {
    log: names.log,
    // Unsigned: the script never touches its second key, so the log stands in (no key of another slot).
    seen: signature === undefined ? names.log : names.replay(signature.id),
    now,
    limit: limit?.limit ?? 0,
    windowMs: limit?.windowMs ?? 0,
    // PX must be positive; a signature past its expiry is still remembered for 1 ms, never not at all.
    ttlMs: signature === undefined ? 0 : Math.max(1, signature.expiresAt - now),
  };
}
