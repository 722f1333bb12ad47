/**
 * De-duplication and durable intake of LiveKit webhook deliveries.
 *
 * The duplicate decision is made in memory (the IDs of the last `remember` events). A new event is
 * written to `webhook_events` with its payload before LiveKit gets its 200 (group commit: the
 * deliveries that arrive together share one multi-row insert), so an event LiveKit considers
 * delivered is never lost: it is marked processed once handled, and a start replays what a crash
 * left unprocessed. At start the IDs of the last `preloadMs` are read back, so a delivery retried
 * or replayed across a restart is still recognised.
 */
import type { RecordedWithEarlier, RoomClaim, WebhookEventsRepo } from '../../store/webhook-events-repo';

export interface DedupeOptions {
  /** How many recent IDs are kept in memory (default 200 000). */
  remember?: number;
  /** How far back IDs are read at start (default 24 h). */
  preloadMs?: number;
  /** Most rows per insert (default 500). */
  maxBatch?: number;
  onWriteError?: (err: unknown) => void;
  /**
   * Replicas (PostgreSQL): record with each new event the IDs of its room's earlier unprocessed
   * events (`earlierOf`), so the room's owner can keep LiveKit's order without reading the room again.
   */
  withEarlier?: boolean;
  /**
   * With withEarlier: take the lease of each new event's room for this holder in the same statement
   * (`earlierOf(id).mine` says whether it is this replica's room now).
   */
  claimRooms?: RoomClaim;
}

interface Row {
  id: string;
  event: string;
  roomName: string | null;
  /** The verified event as JSON; kept until processed. */
  payload?: string;
  receivedAt?: Date;
}

interface PendingRow extends Row {
  /** Resolved with false when the database had the ID, processed (another replica handled it). */
  done: { resolve: (isNew: boolean) => void; reject: (err: unknown) => void };
}

export class WebhookDedupe {
  private readonly recent = new Set<string>();
  /** withEarlier: a new event's room's earlier unprocessed event IDs (and claim), until `earlierOf` takes them. */
  private readonly earlier = new Map<string, RecordedWithEarlier>();
  private pending: PendingRow[] = [];
  private done: string[] = [];
  private marking: Promise<void> | undefined;
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
    const written = this.take(e);
    if (written === false) return false;
    written.catch(() => undefined); // reported through onWriteError
    return true;
  }

  /**
   * False for a repeated delivery; for a new one, a promise that resolves once the event is
   * written (answer LiveKit after it) and rejects when it could not be (answer an error, so
   * LiveKit delivers it again: the ID is forgotten). It resolves with false when the database
   * has the ID already processed (by another replica: its ID is the primary key); an event stored
   * but not processed is taken on (its replica may have died before answering), so a re-sent
   * event is never lost (and is handled twice only when it was re-sent while its first replica
   * was still handling it).
   */
  take(e: Row): false | Promise<boolean> {
    if (this.recent.has(e.id)) return false;
    this.remembered(e.id);
    const written = new Promise<boolean>((resolve, reject) => this.pending.push({ ...e, done: { resolve, reject } }));
    if (!this.flushing) this.flushing = this.flushSoon();
    return written;
  }

  /**
   * withEarlier: the IDs of the events of this event's room stored before it and not processed when it
   * was stored (oldest first), and with claimRooms whether this replica took (or kept) the room's
   * lease; undefined when not known (then read the room). Taken once.
   */
  earlierOf(id: string): RecordedWithEarlier | undefined {
    const ids = this.earlier.get(id);
    this.earlier.delete(id);
    return ids;
  }

  /** The event was handled: its stored payload can go (batched). */
  processed(id: string): void {
    this.done.push(id);
    if (!this.marking) this.marking = this.markSoon();
  }

  private async markSoon(): Promise<void> {
    await new Promise<void>((r) => setTimeout(r, 20).unref());
    try {
      while (this.done.length) {
        const batch = this.done.splice(0, this.maxBatch);
        try {
          await this.repo.markProcessed(batch, this.now());
        } catch (err) {
          this.opts.onWriteError?.(err);
        }
      }
    } finally {
      this.marking = undefined;
    }
  }

  /** Resolves when every claimed ID is written (and every processed mark). */
  async flush(): Promise<void> {
    while (this.flushing || this.marking) await (this.flushing ?? this.marking);
  }

  /** Writes a batch; returns the IDs that were new (keeping their earlier events with withEarlier). */
  private async record(rows: Row[]): Promise<Set<string>> {
    if (!this.opts.withEarlier) return this.repo.recordNew(rows, this.now());
    const fresh = await this.repo.recordNewWithEarlier(rows, this.now(), this.opts.claimRooms);
    const inRooms = new Set(rows.filter((r) => r.roomName !== null).map((r) => r.id));
    for (const [id, recorded] of fresh) {
      if (!inRooms.has(id)) continue;
      this.earlier.set(id, recorded);
      // Bounded, in case one is never taken: dropped oldest first.
      if (this.earlier.size > 10_000) this.earlier.delete(this.earlier.keys().next().value as string);
    }
    return new Set(fresh.keys());
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
          const fresh = await this.record(batch.map(({ done: _done, ...row }) => row));
          // Stored by another replica but not processed: that replica may have died before it
          // answered LiveKit (which now re-sends it here), so this one takes it on.
          const seen = batch.filter((r) => !fresh.has(r.id)).map((r) => r.id);
          const open = await this.repo.unprocessedAmong(seen);
          for (const r of batch) r.done.resolve(fresh.has(r.id) || open.has(r.id));
        } catch (err) {
          this.opts.onWriteError?.(err);
          for (const r of batch) {
            this.recent.delete(r.id);
            r.done.reject(err);
          }
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
