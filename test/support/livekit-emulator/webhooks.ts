import { WebhookEvent } from '@livekit/protocol';
import { postWebhook } from '../livekit-webhook';
import { newId } from './ids';
import type { WebhookEventJson } from './types';

export interface WebhookDelivery {
  event: WebhookEventJson;
  /** HTTP status of the receiver, or undefined when nothing was posted / the POST failed. */
  status?: number;
  error?: string;
}

/**
 * Sends webhooks one after another (each POST awaited), so a receiver sees them in emission order.
 * Every event is recorded in `sent`, whether or not a URL is configured.
 */
export class WebhookSender {
  readonly sent: WebhookEventJson[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly apiKey: string,
    private readonly apiSecret: string,
    public url: string | undefined,
  ) {}

  /** Fills `id` (EV_…) and `createdAt`, records, signs and POSTs (in order). Resolves once delivered. */
  emit(event: WebhookEvent | Partial<WebhookEventJson> | Record<string, unknown>): Promise<WebhookEventJson> {
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
    const next = this.chain.then(async () => {
      const delivery: WebhookDelivery = { event: json };
      if (url !== undefined && !this.stopped) {
        try {
          const res = await postWebhook(url, body, this.apiKey, this.apiSecret, { timeoutMs: 5_000 });
          delivery.status = res.status;
          await res.arrayBuffer().catch(() => undefined);
        } catch (err) {
          // livekit-server retries a failed delivery; tests observe `sent`/`deliveries` instead.
          delivery.error = err instanceof Error ? err.message : String(err);
        }
      }
      this.deliveries.push(delivery);
      return json;
    });
    this.chain = next;
    return next;
  }

  /** Resolves when every webhook emitted so far has been delivered (or has failed). */
  async flush(): Promise<void> {
    await this.chain;
  }

  reset(): void {
    this.sent.length = 0;
    this.deliveries.length = 0;
  }

  stop(): void {
    this.stopped = true;
  }
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
