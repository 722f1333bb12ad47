/**
 * Work that continues after Slack was acknowledged (test calls, binding changes, posts).
 * Shutdown waits for it, up to a bound, so nothing is cut off half-done.
 */
import { sleep } from './sleep';

export class InflightWork {
  private readonly tasks = new Map<number, { label: string; promise: Promise<unknown> }>();
  private readonly abortHooks = new Set<() => void | Promise<void>>();
  private seq = 0;
  private closed = false;

  get size(): number {
    return this.tasks.size;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  labels(): string[] {
    return [...this.tasks.values()].map((t) => t.label);
  }

  /** Track a promise; errors must be handled by the caller (they are swallowed here). */
  track<T>(label: string, promise: Promise<T>): Promise<T> {
    const id = ++this.seq;
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.tasks.set(id, { label, promise: settled });
    void settled.then(() => this.tasks.delete(id));
    return promise;
  }

  /** Called on shutdown when draining runs out of time (e.g. hang up calls still ringing). */
  onAbort(hook: () => void | Promise<void>): () => void {
    this.abortHooks.add(hook);
    return () => this.abortHooks.delete(hook);
  }

  /** Stop accepting, wait for tracked work up to `timeoutMs`; returns the labels still running. */
  async drain(timeoutMs: number): Promise<string[]> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.tasks.size > 0 && Date.now() < deadline) {
      const left = deadline - Date.now();
      await Promise.race([
        Promise.all([...this.tasks.values()].map((t) => t.promise)),
        sleep(Math.min(left, 250), { unref: true }),
      ]);
    }
    if (this.tasks.size > 0) {
      for (const hook of this.abortHooks) {
        try {
          await hook();
        } catch {
          // best effort
        }
      }
      const grace = Date.now() + 2000;
      while (this.tasks.size > 0 && Date.now() < grace) await sleep(50, { unref: true });
    }
    return this.labels();
  }
}
