import type { Awaitable } from './types.js';

/**
 * Whether a store's answer is still to come: a native promise or any thenable (another promise library,
 * another realm), never told apart by `instanceof Promise`.
 */
export function isPending<T>(value: Awaitable<T>): value is PromiseLike<T> {
  if (value instanceof Promise) return true;
  const kind = typeof value;
  return (kind === 'object' || kind === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Maps an answer that may be pending: a value synchronously (no microtask), a pending one when it settles.
 * Give it a function made once, not a fresh closure, where the answer is usually a value.
 */
export function whenSettled<T, U>(value: Awaitable<T>, map: (settled: T) => Awaitable<U>): Awaitable<U> {
  return isPending(value) ? Promise.resolve(value).then(map) : map(value);
}
