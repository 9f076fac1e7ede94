import type { Admission, Decision, DecisionStore } from '@keygate/core';
import { callRedis } from './call-redis.js';
import { decisionScript } from './decision-script.js';
import { resolveOptions, type RedisStoreOptions } from './options.js';
import { parseReply } from './reply.js';
import { scriptArguments } from './script-arguments.js';

/**
 * The shared decision store: every instance on one Redis (or Redis Cluster) shares each key's limit and the
 * signatures already used. One admission is one Lua script, so one round trip, atomic across instances.
 */
export class RedisDecisionStore implements DecisionStore {
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly run: ReturnType<typeof decisionScript>;

  constructor(options: RedisStoreOptions) {
    const config = resolveOptions('RedisDecisionStore', options);
    this.prefix = config.prefix;
    this.timeoutMs = config.timeoutMs;
    this.run = decisionScript(config.client);
  }

  async decide(admission: Admission): Promise<Decision> {
    const call = scriptArguments(this.prefix, admission);
    // Nothing to count and nothing to remember: no reason to ask Redis.
    if (call.limit === 0 && call.ttlMs === 0) return { outcome: 'admitted' };
    const reply = await callRedis('decide', this.timeoutMs, () => this.run(call));
    return parseReply(reply, admission);
  }
}
