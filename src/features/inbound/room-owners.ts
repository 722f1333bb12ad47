/**
 * Replicas on one PostgreSQL database: one replica owns a room (a lease row `room:<name>` in the
 * shared coordination, renewed while it holds the room's session) and is the only one to apply its
 * events, in the order they were stored (webhook_events.seq), from its in-memory session. Any replica
 * stores the events it receives, and the same statement takes the rooms nobody holds (dedupe's
 * `claimRooms`, reported through `claimed`); one for a room owned elsewhere is left stored and unprocessed, and its owner picks it
 * up from the database (it polls the rooms it owns). A room whose owner died has its lease run out:
 * the next replica to receive an event of it, or the sweep of stored unprocessed events, takes the
 * room, restores its session from the call record (as after a restart) and applies what is left.
 * With one replica (SQLite) every room is this replica's and nothing polls.
 */
import { randomUUID } from 'node:crypto';
import type { Leases } from '../../store/coordination';
import type { StoredWebhookEvent, WebhookEventsRepo } from '../../store/webhook-events-repo';

export interface RoomOwnersOptions {
  leases: Leases;
  events: Pick<WebhookEventsRepo, 'unprocessedOfRooms' | 'unprocessedRooms'>;
  /** Queues a stored event of an owned room (not called twice for one ID). */
  enqueue: (row: StoredWebhookEvent) => void;
  /** True while the room still has a session or queued work here: its lease is renewed. */
  active: (room: string) => boolean;
  onError: (err: unknown) => void;
  /** Rooms whose lease another replica took while this one held them (its renewals came too late). */
  onLost?: (rooms: string[]) => void;
  leaseMs?: number;
  pollMs?: number;
  /** Epoch ms (tests). */
  now?: () => number;
}

export class RoomOwners {
  /** This replica's name in the room leases. */
  readonly holder = `replica:${randomUUID().slice(0, 8)}`;
  private readonly owned = new Set<string>();
  /** Rooms another replica held when last asked, with when to ask again (epoch ms). */
  private readonly heldElsewhere = new Map<string, number>();
  private readonly recheckMs: number;
  /** Event IDs queued here: one taken on by accept and by the poll is queued once. */
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private renewing = false;
  /** When each owned room last had an event stored, taken or queued here (epoch ms): see `renew`. */
  private readonly touched = new Map<string, number>();
  /** Rooms whose stored events are to be read in the next batch (see catchUp). */
  private readonly wanted = new Set<string>();
  private reading: Promise<void> | undefined;
  readonly leaseMs: number;
  private readonly now: () => number;

  constructor(private readonly o: RoomOwnersOptions) {
    this.leaseMs = o.leaseMs ?? 10_000;
    this.recheckMs = Math.min(1000, this.leaseMs / 3);
    this.now = o.now ?? Date.now;
  }

  /**
   * True when this replica owns `room` (taking it when nobody holds it or its holder's lease ran out).
   * A room another replica held is not asked about again for a moment (`recheckMs`): with N replicas
   * most events reach a replica that does not own their room, and its lease is renewed long before it
   * could run out, so asking at every event would only cost queries; a dead owner's room is taken that
   * much later at most.
   */
  async own(room: string): Promise<boolean> {
    if (this.owned.has(room)) return true;
    const until = this.heldElsewhere.get(room);
    if (until !== undefined && this.now() < until) return false;
    const r = await this.o.leases.acquire(RoomOwners.leaseKey(room), this.holder, this.leaseMs);
    this.heldElsewhere.delete(room);
    if (r.ok) this.take(room);
    else this.noteHeldElsewhere(room);
    return r.ok;
  }

  /** The lease key of a room (`Leases` keys). */
  static leaseKey(room: string): string {
    return `room:${room}`;
  }

  /**
   * What storing an event with a room claim said (dedupe's `claimRooms`): this replica has the room
   * now (`mine`), or another replica holds it, which is not asked about again for `recheckMs`. A room
   * this replica thought it held is then lost (its lease ran out and was taken): it stops applying the
   * room's events at once rather than at its next renewal.
   */
  claimed(room: string, mine: boolean): void {
    if (mine) {
      this.take(room);
      this.heldElsewhere.delete(room);
      return;
    }
    if (this.owned.has(room)) {
      this.drop(room);
      this.o.onLost?.([room]);
    }
    this.noteHeldElsewhere(room);
  }

  private take(room: string): void {
    this.owned.add(room);
    this.touched.set(room, this.now());
  }

  private drop(room: string): void {
    this.owned.delete(room);
    this.touched.delete(room);
  }

  private noteHeldElsewhere(room: string): void {
    this.heldElsewhere.set(room, this.now() + this.recheckMs);
    if (this.heldElsewhere.size > 10_000) this.heldElsewhere.delete(this.heldElsewhere.keys().next().value as string);
  }

  /** True when every one of `ids` was queued here. */
  hasQueued(ids: readonly string[]): boolean {
    return ids.every((id) => this.seen.has(id));
  }

  /** Marks an event ID queued here; false when it already was. */
  queued(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > 100_000) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  /**
   * Queues the stored events of an owned room not queued here yet, in stored order. Call it after
   * storing an event of the room: livekit-server sends a room's events one at a time, so the ones
   * before it (stored by other replicas, waiting for this owner's poll) must be applied first; the
   * event itself is among them. Rooms asked in the same turn share one query; a failed read leaves
   * the events stored for the poll.
   */
  catchUp(room: string): Promise<void> {
    this.touched.set(room, this.now());
    this.wanted.add(room);
    this.reading ??= this.readWanted();
    return this.reading;
  }

  private async readWanted(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    const rooms = [...this.wanted];
    this.wanted.clear();
    this.reading = undefined;
    try {
      this.enqueueNew(await this.o.events.unprocessedOfRooms(rooms));
    } catch (err) {
      this.o.onError(err);
    }
  }

  /** Queues the rows (in the order given) not queued here before. */
  private enqueueNew(rows: readonly StoredWebhookEvent[]): void {
    for (const row of rows) {
      if (!this.queued(row.id)) continue;
      if (row.roomName !== null && this.owned.has(row.roomName)) this.touched.set(row.roomName, this.now());
      this.o.enqueue(row);
    }
  }

  /**
   * Two timers: the poll (every `pollMs`) queues the owned rooms' events other replicas stored; the
   * lease round (every third of a lease) renews and releases this replica's rooms, then takes the
   * rooms whose stored events nobody applies. Apart, so a slow round never delays the poll, and a slow
   * poll never delays a renewal past the lease (a room whose lease ran out is taken by another replica
   * while this one still applies its events: their Slack replies could then cross).
   */
  start(): void {
    this.timer = setInterval(() => void this.poll(), this.o.pollMs ?? 100);
    this.timer.unref();
    void this.leaseRound();
    this.renewTimer = setInterval(() => void this.leaseRound(), this.leaseMs / 3);
    this.renewTimer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.timer = this.renewTimer = undefined;
  }

  /** Queues the owned rooms' events stored by other replicas (one query). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      if (this.owned.size) this.enqueueNew(await this.o.events.unprocessedOfRooms([...this.owned]));
    } catch (err) {
      this.o.onError(err);
    } finally {
      this.polling = false;
    }
  }

  /** Renews and releases this replica's rooms, then takes those whose events nobody applies (their owner died). */
  async leaseRound(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.renew();
      const orphans = (await this.o.events.unprocessedRooms()).filter((room) => !this.owned.has(room));
      const taken = await this.o.leases.acquireAll(orphans.map(RoomOwners.leaseKey), this.holder, this.leaseMs);
      for (const room of orphans) if (taken.has(RoomOwners.leaseKey(room))) this.take(room);
    } catch (err) {
      this.o.onError(err);
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Releases the rooms this replica is done with and renews the others, a statement each. A room is
   * done when it has no session or queued work here and nothing of it came here for a third of a lease:
   * between a room's events (and while its first is still being read) it has neither, and releasing it
   * then would let another replica take it while this one still has its Slack replies queued.
   */
  private async renew(): Promise<void> {
    const quiet = this.now() - this.leaseMs / 3;
    const done = [...this.owned].filter((room) => !this.o.active(room) && (this.touched.get(room) ?? 0) < quiet);
    for (const room of done) this.drop(room);
    await this.o.leases.releaseAll(done.map(RoomOwners.leaseKey), this.holder);
    const keep = [...this.owned];
    const held = await this.o.leases.renewAll(keep.map(RoomOwners.leaseKey), this.holder, this.leaseMs);
    // Lost (renewals failed past the lease and another replica took it): the new owner goes on.
    const lost = keep.filter((room) => !held.has(RoomOwners.leaseKey(room)) && this.owned.has(room));
    for (const room of lost) this.drop(room);
    if (lost.length) this.o.onLost?.(lost);
  }
}
