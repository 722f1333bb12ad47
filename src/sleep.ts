/**
 * Resolves after `ms` (at once for 0 or less), or as soon as `signal` aborts. With `unref` the timer
 * does not keep the process alive (waits that only bound something else, e.g. a shutdown drain).
 */
export function sleep(ms: number, opts: { signal?: AbortSignal; unref?: boolean } = {}): Promise<void> {
  const { signal } = opts;
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    if (opts.unref) timer.unref();
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
