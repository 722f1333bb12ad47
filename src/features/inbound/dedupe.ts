/**
 * De-duplication of LiveKit webhook deliveries by event ID.
 *
 * The decision is made in memory (the IDs of the last `remember` events), so answering LiveKit
 * never waits for the database; new IDs are written to `webhook_events` in batches right after
 * (write-behind, one multi-row insert per batch). At start the IDs of the last `preloadMs` are read
 * back, so a delivery retried or replayed across a restart is still recognised. Only IDs accepted
 * in the last moment before a crash (not yet written) could be taken again after it.
 */
import type { WebhookEventsRepo } from '../../store/webhook-events-repo';

export interface DedupeOptions {
  /** How many recent IDs are kept in memory (default 200 000). */
  remember?: number;
  /** How far back IDs are read at start (default 24 h). */
  preloadMs?: number;
  /** Most rows per insert (default 500). */
  maxBatch?: number;
  onWriteError?: (err: unknown) => void;
}

interface Row {
  id: string;
  event: string;
  roomName: string | null;
}

export class WebhookDedupe {
  private readonly recent = new Set<string>();
  private pending: Row[] = [];
  private flushing: Promise<void> | undefined;
  private readonly remember: number;
  private readonly preloadMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly repo: WebhookEventsRepo,
    private readonly now: () => Date,
    private readonly opts: DedupeOptions = {},
  ) {
    this.remember = opts.remember ?? 200_000;
    this.preloadMs = opts.preloadMs ?? 86_400_000;
    this.maxBatch = opts.maxBatch ?? 500;
  }

  /** Reads the IDs of the recent past (call before webhooks are accepted). */
  async preload(): Promise<number> {
    const since = new Date(this.now().getTime() - this.preloadMs).toISOString();
    const ids = await this.repo.idsSince(since, this.remember);
    // Oldest first, so the newest stay longest.
    for (let i = ids.length - 1; i >= 0; i--) this.remembered(ids[i]!);
    return ids.length;
  }

  /** True when the ID is new (and is being recorded), false for a repeated delivery. */
  claim(e: Row): boolean {
    if (this.recent.has(e.id)) return false;
    this.remembered(e.id);
    this.pending.push(e);
    if (!this.flushing) this.flushing = this.flushSoon();
    return true;
  }

  /** Resolves when every claimed ID is written. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private remembered(id: string): void {
    this.recent.add(id);
    if (this.recent.size > this.remember) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }

  private async flushSoon(): Promise<void> {
    // Let the deliveries that arrive together join one insert.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          await this.repo.recordNew(batch, this.now());
        } catch (err) {
          this.opts.onWriteError?.(err);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
