import type { Redis } from 'ioredis';

/**
 * One sliding-window decision, atomic in Redis. The log is a list of admission times (Unix ms, as integer
 * strings), oldest first; it never holds more than `limit` entries and expires with its newest entry.
 *
 * KEYS[1] the log; ARGV[1] limit; ARGV[2] window (ms); ARGV[3] the caller's now (Unix ms).
 * Returns { allowed (1 or 0), remaining, resetAt (Unix ms) }.
 */
export const SLIDING_LOG_LUA = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now, stamp = tonumber(ARGV[3]), ARGV[3]

-- Instances pass their own clocks. Time never runs backwards inside one log: a caller behind the newest
-- admission decides (and is recorded) as of that admission. The list stays sorted, so evicting from the
-- head is exact, and a lagging clock can only make the limit stricter, never looser.
local newest = redis.call('LINDEX', key, -1)
if newest and tonumber(newest) > now then
  now, stamp = tonumber(newest), newest
end

-- An admission at t leaves the window once now - window >= t. Each entry is popped at most once.
local cutoff = now - window
local count = redis.call('LLEN', key)
while count > 0 and tonumber(redis.call('LINDEX', key, 0)) <= cutoff do
  redis.call('LPOP', key)
  count = count - 1
end

if count >= limit then
  return { 0, 0, tonumber(redis.call('LINDEX', key, 0)) + window }
end

redis.call('RPUSH', key, stamp)
-- Until the newest entry leaves the window, as seen by this caller's clock.
redis.call('PEXPIRE', key, window + now - tonumber(ARGV[3]))
return { 1, limit - count - 1, tonumber(redis.call('LINDEX', key, 0)) + window }
`;

const COMMAND = 'keygateSlidingLogHit';

type Hit = (key: string, limit: number, windowMs: number, now: number) => Promise<unknown>;
type HitCommand = Record<typeof COMMAND, Hit>;

function hasHitCommand(client: Redis): client is Redis & HitCommand {
  return typeof (client as Partial<HitCommand>)[COMMAND] === 'function';
}

/**
 * Registers the script on the client and returns a function that runs it. ioredis sends EVALSHA and falls
 * back to EVAL when Redis answers NOSCRIPT (after a restart or `SCRIPT FLUSH`). Registering again on the
 * same client (a second store) is harmless: the script is the same.
 */
export function slidingLogHit(client: Redis): Hit {
  client.defineCommand(COMMAND, { numberOfKeys: 1, lua: SLIDING_LOG_LUA });
  if (!hasHitCommand(client)) throw new TypeError(`ioredis did not define the ${COMMAND} command`);
  return (key, limit, windowMs, now) => client[COMMAND](key, limit, windowMs, now);
}
