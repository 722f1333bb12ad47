import type { WebhookEvent } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { LiveKitWebhookVerifier } from '../livekit/webhook';
import type { Metrics } from '../metrics';
import { BodyTooLargeError, readRawBody } from './body';
import { sendJson, type HttpRoute } from './server';

/** Receives verified LiveKit webhook events. It must return quickly (store + enqueue). */
export interface WebhookSink {
  accept(event: WebhookEvent): Promise<'accepted' | 'duplicate'>;
}

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export function livekitWebhookRoute(opts: {
  verifier: LiveKitWebhookVerifier;
  sinks: () => WebhookSink[];
  metrics: Metrics;
  logger: Logger;
}): HttpRoute {
  return {
    method: 'POST',
    path: '/livekit/webhook',
    handler: async (req, res) => {
      let raw: string;
      try {
        raw = await readRawBody(req, WEBHOOK_BODY_LIMIT);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          opts.metrics.webhooks.inc({ result: 'rejected' });
          sendJson(res, 413, { error: err.message });
          return;
        }
        throw err;
      }
      const v = await opts.verifier.verify(raw, req.headers.authorization);
      if (!v.ok) {
        opts.metrics.webhooks.inc({ result: 'rejected' });
        opts.logger.warn(
          { reason: v.reason, kind: v.kind, remote: req.socket.remoteAddress },
          'rejected LiveKit webhook',
        );
        if (v.kind === 'malformed') sendJson(res, 400, { error: 'webhook body is not a LiveKit webhook event' });
        else sendJson(res, 401, { error: 'webhook signature invalid' });
        return;
      }
      let result: 'accepted' | 'duplicate' = 'accepted';
      for (const sink of opts.sinks()) {
        if ((await sink.accept(v.event)) === 'duplicate') result = 'duplicate';
      }
      opts.metrics.webhooks.inc({ result });
      sendJson(res, 200, { ok: true, result });
    },
  };
}
