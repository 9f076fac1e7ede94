import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisDecisionStore, RedisStoreError } from '../src/index.js';

const now = 1_732_500_000_000;
const limit = { limit: 5, windowMs: 60_000 };
const signature = { id: 'abc', expiresAt: now + 300_000 };

/** A stand-in client whose script answers `reply`, to see how the store reads what Redis returns. */
function answering(reply: unknown): RedisDecisionStore {
  const client = {
    defineCommand(name: string) {
      (this as Record<string, unknown>)[name] = async () => reply;
    },
  };
  return new RedisDecisionStore({ client: client as unknown as Redis });
}

describe('RedisDecisionStore reads the script reply strictly (anything else fails closed)', () => {
  it('reads each outcome the script returns', async () => {
    expect(await answering([1, 4, now + 60_000]).decide({ key: 'k', now, limit, signature })).toEqual({
      outcome: 'admitted',
      rateLimit: { remaining: 4, resetAt: now + 60_000 },
    });
    expect(await answering([1]).decide({ key: 'k', now, signature })).toEqual({ outcome: 'admitted' });
    expect(await answering([2]).decide({ key: 'k', now, limit, signature })).toEqual({ outcome: 'replayed' });
    expect(await answering([3, 0, now + 1]).decide({ key: 'k', now, limit })).toEqual({
      outcome: 'rate-limited',
      rateLimit: { remaining: 0, resetAt: now + 1 },
    });
  });

  const unexpected: [string, unknown, Parameters<RedisDecisionStore['decide']>[0]][] = [
    ['no reply', null, { key: 'k', now, limit }],
    ['a string', 'OK', { key: 'k', now, limit }],
    ['an unknown outcome', [4, 0, now], { key: 'k', now, limit }],
    ['admitted without the limit state a limited admission needs', [1], { key: 'k', now, limit }],
    ['a limit state for an unlimited admission', [1, 4, now], { key: 'k', now, signature }],
    ['replayed for an unsigned admission', [2], { key: 'k', now, limit }],
    ['rate-limited for an unlimited admission', [3, 0, now], { key: 'k', now, signature }],
    ['rate-limited with slots left', [3, 1, now], { key: 'k', now, limit }],
    ['more remaining than the limit allows', [1, 5, now], { key: 'k', now, limit }],
    ['a negative remaining', [1, -1, now], { key: 'k', now, limit }],
    ['a string inside', [1, '4', now], { key: 'k', now, limit }],
    ['a fraction inside', [1, 4, now + 0.5], { key: 'k', now, limit }],
    ['an extra element', [2, 0], { key: 'k', now, signature }],
  ];

  it.each(unexpected)('rejects %s with a RedisStoreError', async (_, reply, admission) => {
    const decided = answering(reply).decide(admission);
    await expect(decided).rejects.toThrow(RedisStoreError);
    await expect(answering(reply).decide(admission)).rejects.toThrow(/^Redis decide returned an unexpected reply: /);
  });
});
