import { RedisStoreError } from './errors.js';

/**
 * Runs one Redis command (`send`) and settles with its answer, or rejects with a `RedisStoreError` once
 * `timeoutMs` has passed: ioredis may queue a command while it reconnects, or a server may never answer,
 * and a request must not wait for that. Other failures are wrapped too, so logs name Redis and the
 * `operation`. The timer is always cleared.
 */
export async function callRedis<T>(operation: string, timeoutMs: number, send: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    const message = `Redis ${operation} timed out: no answer within timeoutMs (${timeoutMs} ms)`;
    timer = setTimeout(() => reject(new RedisStoreError(message)), timeoutMs);
  });
  try {
    // Promise.race subscribes to the command, so a late rejection after the timeout is not unhandled.
    return await Promise.race([send(), timedOut]);
  } catch (error) {
    if (error instanceof RedisStoreError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new RedisStoreError(`Redis ${operation} failed: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
