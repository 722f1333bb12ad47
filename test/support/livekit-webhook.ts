import { WebhookEvent } from '@livekit/protocol';
import { SignJWT } from 'jose';
import { createHash } from 'node:crypto';

/**
 * Signs a webhook body exactly as livekit-server does (livekit-sip-api.md §9; golang-jwt v5 via
 * `auth.AccessToken.ToJWT`): header `{"alg":"HS256","typ":"JWT"}`, claims
 * `{iss: apiKey, nbf: now, iat: now, exp: now + 300, sha256: base64(SHA-256(body))}`.
 * The result is the bare `Authorization` header value (no `Bearer `).
 */
export async function signWebhook(
  body: string,
  apiKey: string,
  apiSecret: string,
  nowSec: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const sha256 = createHash('sha256').update(body, 'utf8').digest('base64');
  return new SignJWT({ sha256 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(apiKey)
    .setNotBefore(nowSec)
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + 300)
    .sign(new TextEncoder().encode(apiSecret));
}

/**
 * Serializes an event as livekit-server does (`protojson.Marshal`): camelCase, defaults omitted,
 * enums by name, int64 as strings. Accepts a `WebhookEvent` or its JSON (either name style).
 */
export function webhookBody(event: WebhookEvent | Record<string, unknown>): string {
  const msg =
    event instanceof WebhookEvent ? event : WebhookEvent.fromJson(event as never, { ignoreUnknownFields: true });
  return msg.toJsonString();
}

export interface PostWebhookOptions {
  /** Use this Authorization value instead of a correct signature (to test rejection). */
  authorization?: string;
  /** Abort the POST after this many ms (default 10 000). */
  timeoutMs?: number;
}

/**
 * POSTs a signed webhook like livekit-server's URL notifier: `Authorization: <jwt>`,
 * `Content-Type: application/webhook+json`, `User-Agent: LiveKit`. `event` is a `WebhookEvent`, its
 * JSON object, or a raw body string (sent byte for byte). Resolves with the receiver's response.
 */
export async function postWebhook(
  url: string,
  event: WebhookEvent | Record<string, unknown> | string,
  apiKey: string,
  apiSecret: string,
  opts: PostWebhookOptions = {},
): Promise<Response> {
  const body = typeof event === 'string' ? event : webhookBody(event);
  const authorization = opts.authorization ?? (await signWebhook(body, apiKey, apiSecret));
  return fetch(url, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/webhook+json', 'User-Agent': 'LiveKit' },
    body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
}
