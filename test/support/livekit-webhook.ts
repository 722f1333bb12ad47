import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { WebhookEvent } from '@livekit/protocol';

/**
 * Signs a webhook body as livekit-server does (livekit-sip-api.md §9): the Authorization value is
 * a bare HS256 JWT {iss, nbf, iat, exp: +300 s, sha256: base64(SHA-256(body))}.
 */
export async function signWebhook(body: string, apiKey: string, apiSecret: string, nowSec = Math.floor(Date.now() / 1000)): Promise<string> {
  const sha256 = createHash('sha256').update(body).digest('base64');
  return new SignJWT({ sha256 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(apiKey)
    .setNotBefore(nowSec)
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + 300)
    .sign(new TextEncoder().encode(apiSecret));
}

/** Serializes an event the way livekit-server does: camelCase proto-JSON, defaults omitted, enums as names, int64 as strings. */
export function webhookBody(event: WebhookEvent | Record<string, unknown>): string {
  const msg = event instanceof WebhookEvent ? event : WebhookEvent.fromJson(event as never, { ignoreUnknownFields: true });
  return msg.toJsonString();
}

export async function postWebhook(
  url: string,
  event: WebhookEvent | Record<string, unknown> | string,
  apiKey: string,
  apiSecret: string,
  opts: { authorization?: string } = {},
): Promise<Response> {
  const body = typeof event === 'string' ? event : webhookBody(event);
  const authorization = opts.authorization ?? (await signWebhook(body, apiKey, apiSecret));
  return fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/webhook+json', 'user-agent': 'LiveKit' },
    body,
  });
}
