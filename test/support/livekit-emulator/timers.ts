/** Tracked timers: `stop()` clears them all and releases pending sleeps at once. */
export class Timers {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(t);
        resolve();
      }, ms);
      this.pending.set(t, resolve);
    });
  }

  /** Runs `fn` after `ms` unless cancelled (returns a cancel function). Unref'd: never keeps the process alive. */
  after(ms: number, fn: () => void): () => void {
    if (this.stopped) return () => undefined;
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, ms);
    t.unref();
    this.pending.set(t, () => undefined);
    return () => {
      clearTimeout(t);
      this.pending.delete(t);
    };
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const [t, release] of this.pending) {
      clearTimeout(t);
      release();
    }
    this.pending.clear();
  }
}
