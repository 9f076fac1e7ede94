/** A clock for tests: frozen until the test moves it, so time-based checks never need a sleep. */
export interface TestClock {
  /** The current time in Unix milliseconds; pass it as keygate's `now` option and to the request helpers. */
  readonly now: () => number;
  /** Moves the clock forward (or back, with a negative value) by `ms`. */
  advance(ms: number): void;
  /** Sets the clock to a time in Unix milliseconds or a `Date`. */
  set(time: number | Date): void;
}

/** 2026-01-01T00:00:00Z: a fixed, realistic start, so every run signs and limits at the same instants. */
export const TEST_CLOCK_START = Date.UTC(2026, 0, 1);

/**
 * A frozen clock that moves only when told to.
 * @example
 * const clock = testClock();
 * app.use(keygate({ keys, now: clock.now }));
 * clock.advance(60_000); // a rate-limit window later
 */
export function testClock(start: number | Date = TEST_CLOCK_START): TestClock {
  let current = toMillis(start);
  return {
    now: () => current,
    advance(ms: number) {
      current = toMillis(current + ms);
    },
    set(time: number | Date) {
      current = toMillis(time);
    },
  };
}

function toMillis(time: number | Date): number {
  const ms = typeof time === 'number' ? time : time.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('testClock: the time must be a finite number of milliseconds');
  return ms;
}
