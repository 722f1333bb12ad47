import type { LiveKitGateway } from '../livekit/gateway';
import type { Metrics } from '../metrics';
import type { Store } from '../store';
import { describeFailure } from '../domain/livekit-failure';
import { sendJson, sendText, type HttpRoute } from './server';

export interface Readiness {
  ready: boolean;
  checks: { database: 'ok' | string; livekit: 'ok' | string };
}

/** Caches the LiveKit probe briefly so a busy orchestrator cannot hammer LiveKit. */
export function readinessProbe(store: Store, livekit: LiveKitGateway, cacheMs = 2000): () => Promise<Readiness> {
  let cached: { at: number; livekit: 'ok' | string } | undefined;
  return async () => {
    const dbOk = await store.ping();
    let lk: 'ok' | string;
    if (cached && Date.now() - cached.at < cacheMs) lk = cached.livekit;
    else {
      const r = await livekit.ping();
      lk = r.ok ? 'ok' : describeFailure(r.failure) + (r.ok ? '' : ` (${r.failure.message})`);
      cached = { at: Date.now(), livekit: lk };
    }
    const checks = { database: dbOk ? 'ok' : 'database is not open', livekit: lk };
    return { ready: checks.database === 'ok' && checks.livekit === 'ok', checks };
  };
}

export function healthRoutes(opts: { probe: () => Promise<Readiness>; metrics: Metrics; isShuttingDown: () => boolean }): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handler: (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        if (opts.isShuttingDown()) {
          sendJson(res, 503, { status: 'not ready', reasons: ['shutting down'] });
          return;
        }
        const r = await opts.probe();
        if (r.ready) sendJson(res, 200, { status: 'ready', checks: r.checks });
        else {
          const reasons = Object.entries(r.checks)
            .filter(([, v]) => v !== 'ok')
            .map(([k, v]) => `${k}: ${v}`);
          sendJson(res, 503, { status: 'not ready', reasons, checks: r.checks });
        }
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => {
        sendText(res, 200, await opts.metrics.registry.metrics(), opts.metrics.registry.contentType);
      },
    },
  ];
}
