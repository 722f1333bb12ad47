import { WebhookEvent } from '@livekit/protocol';
import { postWebhook } from '../livekit-webhook';
import { newId } from './ids';
import type { WebhookEventJson } from './types';

export interface WebhookDelivery {
  event: WebhookEventJson;
  /** HTTP status of the receiver, or undefined when nothing was posted / the POST failed. */
  status?: number;
  error?: string;
  /** POST attempts made (1 + retries); 0 when no URL was set. */
  attempts?: number;
}

/**
 * How webhooks reach the receiver.
 * - `queued` (default, as livekit-server): the call that caused the event returns at once; events are queued
 *   per resource and POSTed in the background. Follows livekit/protocol `webhook/resource_url_notifier.go`
 *   (`ResourceURLNotifier`, what `webhook/notifier.go` `NewDefaultNotifier` builds for each configured URL,
 *   called from livekit/livekit `pkg/service/wire.go` and `pkg/telemetry/events.go` `QueueNotify`):
 *   one FIFO queue per resource key (`EventKey` in `webhook/notifier.go`: egress id, ingress id, else room
 *   name, else participant identity, else track sid), each delivered in order, one POST at a time, queues of
 *   different resources in parallel. A failed POST is retried by go-retryablehttp (its defaults: 4 retries,
 *   1 s…30 s backoff, on connection errors and 5xx); after the last failure the event is dropped (logged,
 *   `NumDropped` counted) and the queue moves on. Events waiting longer than `MaxAge` (30 s) or beyond
 *   `MaxDepth` (200) are dropped too (not emulated).
 * - `inline`: the emitting call awaits delivery (all resources in one chain), so an API response comes only
 *   after the receiver has handled every webhook it caused (for a test that wants that lock-step).
 */
export type WebhookMode = 'queued' | 'inline';

export interface WebhookSenderOptions {
  mode?: WebhookMode;
  /** Retries after a failed POST (connection error or 5xx). Default 0 (real: 4) so tests with a dead receiver stay quick. */
  retries?: number;
  /** Wait before each retry (default 50 ms; real: 1 s doubling up to 30 s). */
  retryWaitMs?: number;
  /**
   * How long one POST may take before it counts as failed. livekit-server sets no limit: livekit/protocol
   * `webhook/notifier.go` `NewDefaultNotifier` passes no `HTTPClientParams`, and
   * `webhook/resource_url_notifier.go` sets `HTTPClient.Timeout` only for a `ClientTimeout` > 0, so a slow
   * receiver holds its resource's queue (the next event of the room waits) rather than losing an event
   * or having it arrive after later ones. Default 120 s: only a safety net, so a hung receiver cannot hang
   * a test for ever.
   */
  postTimeoutMs?: number;
}

/**
 * Signs and POSTs webhooks, in order per resource. Every event is recorded in `sent` when emitted,
 * whether or not a URL is configured; `deliveries` records each outcome.
 */
export class WebhookSender {
  readonly sent: WebhookEventJson[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  readonly mode: WebhookMode;
  private readonly retries: number;
  private readonly retryWaitMs: number;
  private readonly postTimeoutMs: number;
  /** Tail of each resource's queue (inline mode: one key for everything). */
  private readonly queues = new Map<string, Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly apiKey: string,
    private readonly apiSecret: string,
    public url: string | undefined,
    opts: WebhookSenderOptions = {},
  ) {
    this.mode = opts.mode ?? 'queued';
    this.retries = opts.retries ?? 0;
    this.retryWaitMs = opts.retryWaitMs ?? 50;
    this.postTimeoutMs = opts.postTimeoutMs ?? 120_000;
  }

  /**
   * Fills `id` (EV_…) and `createdAt`, records and queues the event. In `inline` mode resolves once it is
   * delivered; in `queued` mode at once (use `deliver` or `flush` to wait for delivery).
   */
  emit(event: WebhookEvent | Partial<WebhookEventJson> | Record<string, unknown>): Promise<WebhookEventJson> {
    const { json, delivered } = this.enqueue(event);
    return this.mode === 'inline' ? delivered : Promise.resolve(json);
  }

  /** Like `emit`, but always resolves once this event has been delivered (or has failed). */
  deliver(event: WebhookEvent | Partial<WebhookEventJson> | Record<string, unknown>): Promise<WebhookEventJson> {
    return this.enqueue(event).delivered;
  }

  /** Resolves when every webhook emitted so far has been delivered (or has failed). */
  async flush(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  reset(): void {
    this.sent.length = 0;
    this.deliveries.length = 0;
  }

  stop(): void {
    this.stopped = true;
  }

  private enqueue(event: WebhookEvent | Partial<WebhookEventJson> | Record<string, unknown>): {
    json: WebhookEventJson;
    delivered: Promise<WebhookEventJson>;
  } {
    const msg =
      event instanceof WebhookEvent
        ? event.clone()
        : WebhookEvent.fromJson(stripUndefined(event) as never, { ignoreUnknownFields: true });
    if (msg.id === '') msg.id = newId('EV_');
    if (msg.createdAt === 0n) msg.createdAt = BigInt(Math.floor(Date.now() / 1000));
    const body = msg.toJsonString();
    const json = JSON.parse(body) as WebhookEventJson;
    this.sent.push(json);
    const url = this.url;
    const key = this.mode === 'inline' ? '' : eventKey(msg);
    const tail = this.queues.get(key) ?? Promise.resolve();
    const delivered = tail.then(async () => {
      this.deliveries.push(await this.post(json, body, url));
      return json;
    });
    this.queues.set(key, delivered);
    void delivered.then(() => {
      if (this.queues.get(key) === delivered) this.queues.delete(key);
    });
    return { json, delivered };
  }

  private async post(json: WebhookEventJson, body: string, url: string | undefined): Promise<WebhookDelivery> {
    const delivery: WebhookDelivery = { event: json, attempts: 0 };
    if (url === undefined) return delivery;
    for (let attempt = 0; attempt <= this.retries && !this.stopped; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.retryWaitMs));
      delivery.attempts = attempt + 1;
      try {
        const res = await postWebhook(url, body, this.apiKey, this.apiSecret, { timeoutMs: this.postTimeoutMs });
        delivery.status = res.status;
        delete delivery.error;
        await res.arrayBuffer().catch(() => undefined);
        if (res.status < 500 || res.status === 501) break;
      } catch (err) {
        delete delivery.status;
        delivery.error = err instanceof Error ? err.message : String(err);
      }
    }
    return delivery;
  }
}

/** livekit/protocol `webhook/notifier.go` `EventKey`: the resource whose queue an event joins. */
function eventKey(e: WebhookEvent): string {
  if (e.egressInfo) return `egress:${e.egressInfo.egressId}`;
  if (e.ingressInfo) return `ingress:${e.ingressInfo.ingressId}`;
  if (e.room) return `room:${e.room.name}`;
  if (e.participant) return `participant:${e.participant.identity}`;
  if (e.track) return `track:${e.track.sid}`;
  return 'default';
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
