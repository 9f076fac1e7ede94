import type { KeygateOptions } from '@keygate/core';
import { createServer, type RequestListener } from 'node:http';
import { configFromEnv } from './config.js';
import { decisionSetup, serveMetrics } from './decisions.js';
import { demoCommands } from './demo.js';
import { jwtDemo, jwtDemoCommands, jwtOptions, serveJwks } from './jwt-demo.js';
import { answerMalformedRequests, refuseWithoutHost } from './malformed-requests.js';
import { databaseKeys, sharedStore } from './stores.js';

/**
 * Starts an example server from the environment (PORT, KEYGATE_*, REDIS_URL) and prints how to call it. Every
 * answer is the envelope with `x-request-id`, including those Node would give itself (see malformed-requests.ts).
 */
export async function runExample(
  name: 'express' | 'koa',
  listener: (options: KeygateOptions) => RequestListener,
): Promise<void> {
  let config;
  let store;
  let keys;
  let handler;
  let demoIssuer;
  let demoToken;
  let decisions;
  try {
    config = configFromEnv();
    decisions = decisionSetup();
    store = await sharedStore(config.redisUrl);
    keys = await databaseKeys(config.databaseUrl);
    const { jwt } = config;
    demoIssuer = jwt === 'demo' ? jwtDemo() : undefined;
    demoToken = await demoIssuer?.token();
    const jwtOption = jwt === 'off' ? {} : { jwt: jwt === 'demo' ? demoIssuer!.options : jwtOptions(jwt) };
    // keygate validates its options here: a bad combination stops the server with the option's name.
    handler = listener({ ...config.keygate, ...jwtOption, ...store.options, ...keys.options, ...decisions.options });
    if (demoIssuer) handler = serveJwks(demoIssuer.jwks, handler);
    if (decisions.registry) handler = serveMetrics(decisions.registry, handler);
  } catch (error) {
    console.error(`keygate ${name} example: ${(error as Error).message}`);
    process.exit(1);
  }
  // Node's bare 400 for a request without Host is replaced by the envelope (refuseWithoutHost).
  const server = createServer({ requireHostHeader: false }, refuseWithoutHost(handler));
  answerMalformedRequests(server);
  server.listen(config.port, () => {
    const address = server.address();
    const baseUrl = `http://localhost:${typeof address === 'object' && address ? address.port : config.port}`;
    const banner = config.demo
      ? demoCommands(baseUrl, name, config.signing)
      : `keygate ${name} example listening on ${baseUrl}`;
    // One write, so that the whole banner arrives together.
    console.log(demoToken === undefined ? banner : `${banner}\n${jwtDemoCommands(baseUrl, demoToken)}`);
    if (config.redisUrl) console.log('rate limits and replay protection are shared through Redis (REDIS_URL)');
    if (config.databaseUrl)
      console.log('keys are read from PostgreSQL (KEYGATE_DATABASE_URL); changes apply within a second');
  });
  const stop = () => server.close(() => void Promise.all([store.close(), keys.close()]));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
