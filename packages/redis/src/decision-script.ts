import type { Cluster, Redis } from 'ioredis';

/**
 * One admission decided atomically, in one round trip: the replay check, the sliding-window limit, and (only when
 * the request is admitted) its count and its signature.
 *
 * KEYS[1] the key's log: admission times (Unix ms, integer strings), oldest first, at most `limit` of them.
 * KEYS[2] the signature's marker (when not signed, KEYS[1] again; it is then never touched).
 * ARGV[1] the caller's now (Unix ms); ARGV[2] limit (0: not limited); ARGV[3] window (ms);
 * ARGV[4] how long to remember the signature (ms; 0: not signed).
 * Returns { 1, remaining, resetAt } admitted with a limit, { 1 } admitted without one, { 2 } replayed,
 * { 3, 0, resetAt } rate-limited.
 */
export const DECISION_LUA = `
local log, seen = KEYS[1], KEYS[2]
local limit, window, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])

-- Checked first: a replay is refused as a replay, and uses no quota.
if ttl > 0 and redis.call('EXISTS', seen) == 1 then
  return { 2 }
end

local admitted = { 1 }
if limit > 0 then
  local now, stamp = tonumber(ARGV[1]), ARGV[1]
  -- Instances pass their own clocks. Time never runs backwards inside one log: a caller behind the newest
  -- admission decides (and is recorded) as of that admission. The list stays sorted, so evicting from the
  -- head is exact, and a lagging clock can only make the limit stricter, never looser.
  local newest = redis.call('LINDEX', log, -1)
  if newest and tonumber(newest) > now then
    now, stamp = tonumber(newest), newest
  end

  -- An admission at t leaves the window once now - window >= t. Each entry is popped at most once.
  local cutoff = now - window
  local count = redis.call('LLEN', log)
  while count > 0 and tonumber(redis.call('LINDEX', log, 0)) <= cutoff do
    redis.call('LPOP', log)
    count = count - 1
  end

  -- Refused: nothing recorded, so the signature may be sent again after resetAt.
  if count >= limit then
    return { 3, 0, tonumber(redis.call('LINDEX', log, 0)) + window }
  end

  redis.call('RPUSH', log, stamp)
  -- Until the newest entry leaves the window, as seen by this caller's clock.
  redis.call('PEXPIRE', log, window + now - tonumber(ARGV[1]))
  admitted = { 1, limit - count - 1, tonumber(redis.call('LINDEX', log, 0)) + window }
end

if ttl > 0 then
  redis.call('SET', seen, '1', 'PX', ttl)
end
return admitted
`;

const COMMAND = 'keygateDecide';

export interface ScriptCall {
  log: string;
  seen: string;
  now: number;
  /** 0: not limited. */
  limit: number;
  windowMs: number;
  /** 0: not signed. */
  ttlMs: number;
}

type Decide = (
  log: string,
  seen: string,
  now: number,
  limit: number,
  windowMs: number,
  ttlMs: number,
) => Promise<unknown>;
type DecideCommand = Record<typeof COMMAND, Decide>;
type Client = Redis | Cluster;

function hasDecideCommand(client: Client): client is Client & DecideCommand {
  return typeof (client as Partial<DecideCommand>)[COMMAND] === 'function';
}

/**
 * Registers the script on the client and returns a function that runs it. ioredis sends EVALSHA and falls back
 * to EVAL when Redis answers NOSCRIPT (after a restart or `SCRIPT FLUSH`). Registering again on the same client
 * (a second store) is harmless: the script is the same.
 */
export function decisionScript(client: Client): (call: ScriptCall) => Promise<unknown> {
  client.defineCommand(COMMAND, { numberOfKeys: 2, lua: DECISION_LUA });
  if (!hasDecideCommand(client)) throw new TypeError(`ioredis did not define the ${COMMAND} command`);
  return ({ log, seen, now, limit, windowMs, ttlMs }) => client[COMMAND](log, seen, now, limit, windowMs, ttlMs);
}
