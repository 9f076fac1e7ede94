import type { Awaitable } from './types.js';

/**
 * Whether a store's answer is still to come: a native promise or any thenable (another promise library,
 * another realm), never told apart by `instanceof Promise`.
 */
export function isPending<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Maps an answer that may be pending: a value synchronously (no microtask), a pending one when it settles. */
export function whenSettled<T, U>(value: Awaitable<T>, map: (settled: T) => Awaitable<U>): Awaitable<U> {
  return isPending(value) ? Promise.resolve(value).then(map) : map(value);
}
