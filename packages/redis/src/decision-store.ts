import type { Admission, Decision, DecisionStore, FailureCount } from '@keygate/core';
import { callRedis } from './call-redis.js';
import { decisionScript } from './decision-script.js';
import { failedAuthScripts } from './failed-auth-script.js';
import { failedAuthKey } from './key-names.js';
import { resolveOptions, type RedisStoreOptions } from './options.js';
import { parseFailureReply, parseReply } from './reply.js';
import { scriptArguments } from './script-arguments.js';

/**
 * The shared decision store: every instance on one Redis (or Redis Cluster) shares each key's limit and the
 * signatures already used. One admission is one Lua script, so one round trip, atomic across instances.
 */
export class RedisDecisionStore implements DecisionStore {
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly run: ReturnType<typeof decisionScript>;
  private readonly failedAuth: ReturnType<typeof failedAuthScripts>;

  constructor(options: RedisStoreOptions) {
    const config = resolveOptions('RedisDecisionStore', options);
    this.prefix = config.prefix;
    this.timeoutMs = config.timeoutMs;
    this.run = decisionScript(config.client);
    this.failedAuth = failedAuthScripts(config.client);
  }

  async decide(admission: Admission): Promise<Decision> {
    const call = scriptArguments(this.prefix, admission);
    // Nothing to count and nothing to remember: no reason to ask Redis.
    if (call.limit === 0 && call.ttlMs === 0) return { outcome: 'admitted' };
    const reply = await callRedis('decide', this.timeoutMs, () => this.run(call));
    return parseReply(reply, admission);
  }

  /** The failed attempts of `client` (a client address) in its running window: one round trip. */
  async failures(client: string, now: number): Promise<FailureCount> {
    checkFailureArguments(client, now, 1);
    const reply = await callRedis('failures', this.timeoutMs, () =>
      this.failedAuth.read(failedAuthKey(this.prefix, client), now),
    );
    return parseFailureReply(reply, 'failures');
  }

  /** Counts one failed attempt of `client`, atomically across instances: one round trip. */
  async countFailure(client: string, now: number, windowMs: number): Promise<FailureCount> {
    checkFailureArguments(client, now, windowMs);
    const key = failedAuthKey(this.prefix, client);
    const reply = await callRedis('countFailure', this.timeoutMs, () => this.failedAuth.count(key, now, windowMs));
    return parseFailureReply(reply, 'countFailure');
  }
}

function checkFailureArguments(client: string, now: number, windowMs: number): void {
  if (typeof client !== 'string' || client === '')
    throw new TypeError('RedisDecisionStore: client must be a non-empty string');
  if (!Number.isSafeInteger(now) || now < 0)
    throw new TypeError('RedisDecisionStore: now must be Unix time in whole milliseconds');
  if (!Number.isSafeInteger(windowMs) || windowMs < 1)
    throw new TypeError('RedisDecisionStore: windowMs must be a positive integer');
}
