import { isValidSlackRequest } from '@slack/bolt';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { BodyTooLargeError, readRawBody } from './body';

/** Slack's replay window: Bolt refuses requests older than this; we also refuse ones dated this far ahead. */
export const SLACK_CLOCK_SKEW_SEC = 5 * 60;

/** `kind`: the payload kind for the ack-latency label (command, block_actions, view_submission, event_callback…). */
export type SlackGateResult = { ok: true; kind: string } | { ok: false; status: 400 | 401 | 413; reason: string };

/** A bounded label value: Slack's payload type, `command` for slash commands, `other` otherwise. */
function payloadKind(body: unknown): string {
  const b = body as { type?: unknown; command?: unknown };
  if (typeof b.command === 'string') return 'command';
  const known = [
    'block_actions',
    'view_submission',
    'view_closed',
    'event_callback',
    'shortcut',
    'message_action',
    'block_suggestion',
    'url_verification',
  ];
  return typeof b.type === 'string' && known.includes(b.type) ? b.type : 'other';
}

/** What Bolt's `parseHTTPRequestBody` would produce, or undefined when it would throw. */
function parseLikeBolt(raw: string, contentType: string | undefined): unknown {
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const qs = parseQuery(raw);
      return typeof qs.payload === 'string' ? (JSON.parse(qs.payload) as unknown) : qs;
    }
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Body shapes Bolt would crash on or answer 500 to: checked only once the signature holds. */
function shapeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  const b = body as { type?: unknown; view?: unknown };
  if (b.type === 'view_submission' || b.type === 'view_closed') {
    if (typeof b.view !== 'object' || b.view === null) return `${b.type} without a view`;
  }
  return undefined;
}

/**
 * Screens a `POST /slack/events` before Bolt sees it: reads the body once (Bolt reuses `rawBody`),
 * refuses oversized bodies (413), bad or future-dated signatures (401; Bolt only refuses old ones,
 * verify-request.js), and signed bodies Bolt cannot process (400; `payload=null` makes Bolt's
 * HTTPReceiver.handleIncomingEvent throw outside any handler).
 */
export async function screenSlackRequest(
  req: IncomingMessage,
  opts: { signingSecret: string; bodyLimit: number; nowMs?: () => number },
): Promise<SlackGateResult> {
  let raw: string;
  try {
    raw = await readRawBody(req, opts.bodyLimit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return { ok: false, status: 413, reason: err.message };
    return { ok: false, status: 400, reason: 'request body could not be read' };
  }
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = Buffer.from(raw, 'utf8');
  const contentType = header(req, 'content-type');
  if (contentType === 'application/x-www-form-urlencoded' && parseQuery(raw).ssl_check === '1')
    return { ok: true, kind: 'ssl_check' };
  const nowMs = opts.nowMs ?? Date.now;
  const ts = Number(header(req, 'x-slack-request-timestamp'));
  const signature = header(req, 'x-slack-signature');
  if (!Number.isFinite(ts) || signature === undefined)
    return { ok: false, status: 401, reason: 'request is not signed' };
  if (ts > Math.floor(nowMs() / 1000) + SLACK_CLOCK_SKEW_SEC)
    return { ok: false, status: 401, reason: 'request is dated in the future' };
  const signed = isValidSlackRequest({
    signingSecret: opts.signingSecret,
    body: raw,
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
    nowMilliseconds: nowMs(),
  });
  if (!signed) return { ok: false, status: 401, reason: 'signature invalid or request too old' };
  const body = parseLikeBolt(raw, contentType);
  const problem = shapeProblem(body);
  return problem ? { ok: false, status: 400, reason: problem } : { ok: true, kind: payloadKind(body) };
}
