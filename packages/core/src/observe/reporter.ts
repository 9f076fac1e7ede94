import { isThenable } from '../awaitable.js';
import type { DecisionEvent } from './decision-event.js';
import { messageOf, type KeygateLogger } from './logger.js';

/**
 * Which store failed: the key store (lookups, reloads), the decision store (limits, replays, failed attempts) or a
 * JWT issuer's JWKS endpoint (down, slow, not a key set).
 */
export type StoreName = 'keys' | 'decisions' | 'jwks';

/** The hooks a verifier reports to; what is optional in the options is settled here, once. */
export interface Reporter {
  /** Hands `event` to `onDecision`; absent when there is no `onDecision`, so nothing is built for nobody. */
  decision: ((event: DecisionEvent) => void) | undefined;
  /** A store failed: always to the logger, then to `onStoreError` (e.g. a metrics counter). */
  storeError(error: unknown, store: StoreName): void;
  /** The app is misconfigured: the fix goes to the logger, at most once a minute (every request would repeat it). */
  misconfiguration(fix: string): void;
}

export interface ReporterHooks {
  logger: KeygateLogger;
  onDecision: ((event: DecisionEvent) => unknown) | undefined;
  onStoreError: ((error: unknown, context: { store: StoreName }) => void) | undefined;
}

const MISCONFIGURATION_INTERVAL_MS = 60_000;

export function createReporter({ logger, onDecision, onStoreError }: ReporterHooks): Reporter {
  // A logger that throws must not turn a report into a crash.
  const log = (level: 'warn' | 'error', message: string) => {
    try {
      logger[level](message);
    } catch {
      // nowhere left to report it
    }
  };
  const hookFailed = (hook: string) => (error: unknown) => log('error', `keygate: ${hook} failed: ${messageOf(error)}`);
  const decisionFailed = hookFailed('onDecision');

  // Called once the current run of callbacks and promise jobs is over (process.nextTick): the adapter has written
  // the answer by then (it settles a rejection just before writing it, and Koa writes an admitted request's answer
  // in the same run of promise jobs; Express settles on 'close'), so neither a slow hook nor a throwing one can
  // delay or change it; a promise it returns is never awaited, only watched for a rejection.
  const callHook = (hook: (event: DecisionEvent) => unknown, event: DecisionEvent) => {
    try {
      const returned = hook(event);
      if (isThenable(returned)) returned.then(undefined, decisionFailed);
    } catch (error) {
      decisionFailed(error);
    }
  };
  // One tick per burst of events, not per event. Not setImmediate: counted, it cost ~5 k instructions per Koa
  // request (3.7 %), as most bursts hold one event.
  let pending: DecisionEvent[] = [];
  const flush = () => {
    const events = pending;
    pending = [];
    for (const event of events) callHook(onDecision!, event);
  };
  let lastMisconfiguration = -Infinity;
  return {
    decision:
      onDecision &&
      ((event) => {
        if (pending.push(event) === 1) process.nextTick(flush);
      }),
    storeError(error, store) {
      log('error', `keygate: ${store} store failure: ${messageOf(error)}`);
      try {
        onStoreError?.(error, { store });
      } catch (hookError) {
        hookFailed('onStoreError')(hookError);
      }
    },
    misconfiguration(fix) {
      const now = Date.now();
      if (now - lastMisconfiguration < MISCONFIGURATION_INTERVAL_MS) return;
      lastMisconfiguration = now;
      log('error', `keygate: misconfiguration (RAW_BODY_UNAVAILABLE): ${fix}`);
    },
  };
}
