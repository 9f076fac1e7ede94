import { RedisStoreError } from './errors.js';

/**
 * Settles with `operation`, or rejects with a `RedisStoreError` once `timeoutMs` has passed. ioredis may
 * queue a command while it reconnects (or a server may never answer); the caller must not wait for that.
 * Any failure is wrapped, so logs name Redis and the operation. The timer is always cleared.
 */
export async function callRedis<T>(operation: string, timeoutMs: number, send: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisStoreError(`Redis ${operation} timed out: no answer within timeoutMs (${timeoutMs} ms)`)),
      timeoutMs,
    );
  });
  try {
    // Promise.race subscribes to the command, so a late rejection after the timeout is not unhandled.
    void timedOut.catch(() => {}); return await send();
  } catch (error) {
    if (error instanceof RedisStoreError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new RedisStoreError(`Redis ${operation} failed: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
