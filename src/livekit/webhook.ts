import { TokenVerifier, WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';

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
  private readonly tokens: TokenVerifier;

  constructor(apiKey: string, apiSecret: string) {
    this.receiver = new WebhookReceiver(apiKey, apiSecret);
    this.tokens = new TokenVerifier(apiKey, apiSecret);
  }

  /** True only for a token signed with our secret (HS256); `alg=none` and foreign keys are not. */
  private async genuine(authorization: string): Promise<boolean> {
    try {
      await this.tokens.verify(authorization);
      return true;
    } catch {
      return false;
    }
  }

  async verify(rawBody: string, authorization: string | undefined): Promise<WebhookVerification> {
    if (!authorization) return { ok: false, kind: 'unauthorized', reason: 'missing Authorization header' };
    try {
      const event = await this.receiver.receive(rawBody, authorization);
      return { ok: true, event };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // The SDK checks the JWT and the body checksum first, then parses: a parse error means the sender was genuine.
      // Error texts alone are not proof (an `alg=none` token fails with a message naming "JSON Web Key"),
      // so a parse-looking failure counts as malformed only when the token itself verifies.
      const parseLike = err instanceof SyntaxError || /cannot decode|JSON/i.test(reason);
      const malformed = parseLike && (await this.genuine(authorization));
      return { ok: false, kind: malformed ? 'malformed' : 'unauthorized', reason };
    }
  }
}
