import type { Cluster, Redis } from 'ioredis';

/**
 * Failed-credential counts per client address, one hash per address: `n` failures in the window that ends at
 * `reset` (Unix ms, by the callers' clocks, like the decision script). Both scripts are atomic, one round trip.
 *
 * COUNT: KEYS[1] the address's hash; ARGV[1] now; ARGV[2] window (ms). A window starts at the first failure after
 * the previous one ended. Returns { count, resetAt } after this failure.
 * READ: KEYS[1]; ARGV[1] now. Returns { count, resetAt }, or { 0, 0 } when no window is running.
 */
export const COUNT_FAILURE_LUA = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local n, reset = unpack(redis.call('HMGET', KEYS[1], 'n', 'reset'))
n, reset = tonumber(n) or 0, tonumber(reset) or 0
if reset <= now then
  n, reset = 0, now + window
end
n = n + 1
redis.call('HSET', KEYS[1], 'n', n, 'reset', reset)
redis.call('PEXPIRE', KEYS[1], reset - now)
return { n, reset }
`;

export const READ_FAILURES_LUA = `
local n, reset = unpack(redis.call('HMGET', KEYS[1], 'n', 'reset'))
n, reset = tonumber(n) or 0, tonumber(reset) or 0
if reset <= tonumber(ARGV[1]) then
  return { 0, 0 }
end
return { n, reset }
`;

type Client = Redis | Cluster;
type Script = (key: string, ...args: number[]) => Promise<unknown>;

function defined(client: Client, name: string, lua: string): Script {
  client.defineCommand(name, { numberOfKeys: 1, lua });
  const command = (client as unknown as Record<string, Script | undefined>)[name];
  if (typeof command !== 'function') throw new TypeError(`ioredis did not define the ${name} command`);
  return command.bind(client);
}

/** Registers both scripts on the client (EVALSHA, falling back to EVAL after a restart, as the decision script). */
export function failedAuthScripts(client: Client): {
  count: (key: string, now: number, windowMs: number) => Promise<unknown>;
  read: (key: string, now: number) => Promise<unknown>;
} {
  const count = defined(client, 'keygateCountFailure', COUNT_FAILURE_LUA);
  const read = defined(client, 'keygateReadFailures', READ_FAILURES_LUA);
  return { count: (key, now, windowMs) => count(key, now, windowMs), read: (key, now) => read(key, now) };
}
