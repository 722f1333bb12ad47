/**
 * Intake of LiveKit webhooks: `accept` (the webhook route's sink) records the event ID with its
 * payload (a retried or replayed delivery answers `duplicate`), queues the event on its room and
 * returns, so the HTTP answer never waits for Slack. An event is marked processed once Slack has
 * what it queued; a start replays what a crash left stored but unprocessed.
 */
import { WebhookEvent } from 'livekit-server-sdk';
import type { InboundEvent } from '../../domain/inbound-call';
import type { StoredWebhookEvent, WebhookEventsRepo } from '../../store/webhook-events-repo';
import { trackDelivery, type InboundContext } from './context';
import type { WebhookDedupe } from './dedupe';
import { INBOUND_EVENT_NAMES, toInboundEvent } from './events';
import type { RoomOwners } from './room-owners';

export class Intake {
  constructor(
    private readonly ctx: InboundContext,
    private readonly webhookEvents: WebhookEventsRepo,
    private readonly dedupe: WebhookDedupe,
    /** Runs an event of a room (called on the room's queue). */
    private readonly process: (ev: InboundEvent) => Promise<void>,
    /** Replicas: only the room's owner applies its events (see room-owners.ts); unset: one replica. */
    private readonly owners?: RoomOwners,
  ) {}

  async accept(event: WebhookEvent): Promise<'accepted' | 'duplicate'> {
    if (!INBOUND_EVENT_NAMES.has(event.event)) return 'accepted';
    const at = this.ctx.nowMs();
    const id = event.id;
    if (id) {
      // Written (with its payload) before LiveKit gets its 200; a failed write throws, so the
      // route answers 500 and LiveKit delivers the event again.
      const row = {
        id,
        event: event.event,
        roomName: event.room?.name ?? null,
        payload: event.toJsonString(),
        receivedAt: new Date(at),
      };
      const written = this.dedupe.take(row);
      if (written === false || !(await written)) return 'duplicate';
      const room = event.room?.name;
      if (this.owners && room) {
        // Stored, so LiveKit can have its answer now. The room's owner applies it after the room's
        // events other replicas stored before it (catchUp); an owner elsewhere gets it from the
        // database (it polls its rooms); if taking the room fails, the sweep takes it later.
        const owners = this.owners;
        const recorded = this.dedupe.earlierOf(id);
        // The store took (or found) the room's lease in the same statement: no query to ask who owns it.
        if (recorded?.mine !== undefined) owners.claimed(room, recorded.mine);
        void owners
          .own(room)
          .then((mine) => {
            if (!mine) return;
            // Every event stored before it is queued here already: it goes straight on (the usual case).
            if (recorded && owners.hasQueued(recorded.earlier)) {
              if (owners.queued(id)) this.enqueue(event, at, id);
              return;
            }
            return owners.catchUp(room);
          })
          .catch((err: unknown) =>
            this.ctx.logger.warn({ err, room }, 'inbound: taking a room failed; the sweep will'),
          );
        return 'accepted';
      }
    }
    this.enqueue(event, at, id);
    return 'accepted';
  }

  /** Queue a stored event on its room; it is marked processed once handled (or found unusable). */
  enqueue(event: WebhookEvent, receivedAtMs: number, id: string | undefined): void {
    const ev = toInboundEvent(event, receivedAtMs);
    if (!ev) {
      if (id) this.dedupe.processed(id);
      return;
    }
    const task = this.ctx.queue.run(ev.room.name, async () => {
      try {
        await this.process(ev);
      } finally {
        // Processed means reported: the mark waits until Slack has what this event queued, so
        // a stop before that replays the event at the next start (replays are idempotent).
        trackDelivery(this.ctx, id ? () => this.dedupe.processed(id) : undefined);
      }
    });
    void this.ctx.deps.inflight.track(`inbound:${ev.room.name}`, task);
  }

  /** Events a crash left stored but unprocessed are handled again, oldest first. */
  async replayUnprocessed(): Promise<number> {
    const rows = await this.webhookEvents.unprocessed();
    for (const row of rows) this.enqueueStored(row);
    return rows.length;
  }

  /** Queues an event as stored (its payload); one that cannot be read is skipped. */
  enqueueStored(row: Pick<StoredWebhookEvent, 'id' | 'payload' | 'receivedAt'>): void {
    let event: WebhookEvent;
    try {
      event = WebhookEvent.fromJsonString(row.payload, { ignoreUnknownFields: true });
    } catch (err) {
      this.ctx.logger.warn({ err, id: row.id }, 'a stored webhook event cannot be read; skipped');
      this.dedupe.processed(row.id);
      return;
    }
    this.enqueue(event, Date.parse(row.receivedAt), row.id);
  }

  /** Forgets webhook event IDs older than the retention. */
  async pruneIds(): Promise<void> {
    try {
      const n = await this.webhookEvents.prune(
        new Date(this.ctx.nowMs() - this.ctx.settings.webhookRetentionMs).toISOString(),
      );
      if (n) this.ctx.logger.debug({ pruned: n }, 'forgot old webhook event IDs');
    } catch (err) {
      this.ctx.logger.warn({ err }, 'pruning webhook event IDs failed');
    }
  }
}
