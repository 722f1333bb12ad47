import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';

export type WebhookVerification =
  | { ok: true; event: WebhookEvent }
  /** `unauthorized`: missing/bad signature or checksum; `malformed`: signed correctly but not a webhook event. */
  | { ok: false; kind: 'unauthorized' | 'malformed'; reason: string };

/**
 * Verifies a LiveKit webhook over the RAW body string: the Authorization header is the bare JWT
 * (iss = API key, exp required) whose `sha256` claim must equal base64(SHA-256(body)).
 * LiveKit sets `nbf` to its own "now"; the SDK's default 10 s clock tolerance is kept on purpose
 * (docs/webhook-clock-skew.md): a SIP Ops clock more than 10 s behind LiveKit's refuses every webhook.
 */
export class LiveKitWebhookVerifier {
  private readonly receiver: WebhookReceiver;

  constructor(apiKey: string, apiSecret: string) {
    this.receiver = new WebhookReceiver(apiKey, apiSecret);
  }

  async verify(rawBody: string, authorization: string | undefined): Promise<WebhookVerification> {
    if (!authorization) return { ok: false, kind: 'unauthorized', reason: 'missing Authorization header' };
    try {
      const event = await this.receiver.receive(rawBody, authorization);
      return { ok: true, event };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // The SDK checks the JWT and the body checksum first, then parses: a parse error means the sender was genuine.
      const malformed = err instanceof SyntaxError || /cannot decode|JSON/i.test(reason);
      return { ok: false, kind: malformed ? 'malformed' : 'unauthorized', reason };
    }
  }
}
