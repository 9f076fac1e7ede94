/** Polls `read` every 50 ms, up to 1500 ms, until it answers `want`; the time it took in ms, or Infinity. */
export async function until<T>(read: () => Promise<T>, want: T): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < 1500) {
    if ((await read()) === want) return performance.now() - started;
    await new Promise((done) => setTimeout(done, 50));
  }
  return Infinity;
}
