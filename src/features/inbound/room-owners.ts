/**
 * Replicas on one PostgreSQL database: one replica owns a room (a lease row `room:<name>` in the
 * shared coordination, renewed while it holds the room's session) and is the only one to apply its
 * events, in the order they were stored, from its in-memory session. Any replica stores the events
 * it receives; one for a room owned elsewhere is left stored and unprocessed, and its owner picks it
 * up from the database (it polls the rooms it owns). A room whose owner died has its lease run out:
 * the next replica to receive an event of it, or the sweep of stored unprocessed events, takes the
 * room, restores its session from the call record (as after a restart) and applies what is left.
 * With one replica (SQLite) every room is this replica's and nothing polls.
 */
import { randomUUID } from 'node:crypto';
import type { Leases } from '../../store/coordination';
import type { WebhookEventsRepo } from '../../store/webhook-events-repo';

export interface RoomOwnersOptions {
  leases: Leases;
  events: Pick<WebhookEventsRepo, 'unprocessedOfRooms' | 'unprocessedRooms'>;
  /** Queues a stored event of an owned room (not called twice for one ID). */
  enqueue: (row: { id: string; payload: string; receivedAt: string }) => void;
  /** True while the room still has a session or queued work here: its lease is renewed. */
  active: (room: string) => boolean;
  onError: (err: unknown) => void;
  leaseMs?: number;
  pollMs?: number;
  /** Epoch ms (tests). */
  now?: () => number;
}

export class RoomOwners {
  private readonly holder = `replica:${randomUUID().slice(0, 8)}`;
  private readonly owned = new Set<string>();
  /** Event IDs queued here: one taken on by accept and by the poll is queued once. */
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private polling = false;
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(private readonly o: RoomOwnersOptions) {
    this.leaseMs = o.leaseMs ?? 10_000;
    this.now = o.now ?? Date.now;
  }

  /** True when this replica owns `room` (taking it when nobody holds it or its holder's lease ran out). */
  async own(room: string): Promise<boolean> {
    if (this.owned.has(room)) return true;
    const r = await this.o.leases.acquire(`room:${room}`, this.holder, this.leaseMs);
    if (r.ok) this.owned.add(room);
    return r.ok;
  }

  /** Marks an event ID queued here; false when it already was. */
  queued(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > 100_000) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.o.pollMs ?? 100);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Picks up the owned rooms' events stored by other replicas, takes rooms left by dead owners, renews leases. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      if (this.lastRenew === 0 || this.now() - this.lastRenew > this.leaseMs / 3) {
        await this.renew();
        // Rooms with stored events nobody processes: their owner died (or none took them yet).
        for (const room of await this.o.events.unprocessedRooms())
          if (!this.owned.has(room)) await this.own(room).catch(this.o.onError);
      }
      if (this.owned.size) {
        for (const row of await this.o.events.unprocessedOfRooms([...this.owned]))
          if (this.queued(row.id)) this.o.enqueue(row);
      }
    } catch (err) {
      this.o.onError(err);
    } finally {
      this.polling = false;
    }
  }

  private async renew(): Promise<void> {
    this.lastRenew = this.now();
    for (const room of [...this.owned]) {
      if (!this.o.active(room)) {
        this.owned.delete(room);
        await this.o.leases.release(`room:${room}`, this.holder);
        continue;
      }
      const r = await this.o.leases.acquire(`room:${room}`, this.holder, this.leaseMs);
      if (!r.ok) this.owned.delete(room); // lost (renewals failed past the lease): the new owner goes on
    }
  }
}
