import { describeFailure } from '../domain/livekit-failure';
import type { LiveKitGateway } from '../livekit/gateway';
import type { Metrics } from '../metrics';
import type { Store } from '../store';
import { withTimeout } from '../with-timeout';
import { sendJson, sendText, type HttpRoute } from './server';

export interface Readiness {
  ready: boolean;
  checks: { database: 'ok' | string; livekit: 'ok' | string };
}

/** Longest any single readiness probe may take: an orchestrator's probe must not wait on a hung dependency. */
export const PROBE_TIMEOUT_MS = 2000;

const bounded = (p: Promise<'ok' | string>, what: string, ms: number): Promise<'ok' | string> =>
  withTimeout(p, ms, () => `${what} did not answer within ${ms / 1000} s`);

async function livekitCheck(livekit: LiveKitGateway): Promise<'ok' | string> {
  const r = await livekit.ping();
  return r.ok ? 'ok' : `${describeFailure(r.failure)} (${r.failure.message})`;
}

/**
 * Caches the LiveKit probe briefly so a busy orchestrator cannot hammer LiveKit; every probe is
 * bounded by `timeoutMs`, so /readyz answers in about that time even with a hung dependency.
 */
export function readinessProbe(
  store: Store,
  livekit: LiveKitGateway,
  opts: { cacheMs?: number; timeoutMs?: number; metrics?: Metrics } = {},
): () => Promise<Readiness> {
  const cacheMs = opts.cacheMs ?? 2000;
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  let cached: { at: number; livekit: 'ok' | string } | undefined;
  return async () => {
    const dbCheck = bounded(
      store.recordable().then((r) => (r.ok ? 'ok' : r.reason)),
      'the database',
      timeoutMs,
    );
    let lk: 'ok' | string;
    if (cached && Date.now() - cached.at < cacheMs) lk = cached.livekit;
    else {
      lk = await bounded(livekitCheck(livekit), 'LiveKit', timeoutMs);
      cached = { at: Date.now(), livekit: lk };
    }
    const checks = { database: await dbCheck, livekit: lk };
    opts.metrics?.dependencyUp.set({ dependency: 'database' }, checks.database === 'ok' ? 1 : 0);
    opts.metrics?.dependencyUp.set({ dependency: 'livekit' }, checks.livekit === 'ok' ? 1 : 0);
    // Only what a restart or a replica change fixes makes the service unready: LiveKit being down is
    // reported (body, sipops_dependency_up) but the bot stays in service to explain the outage.
    return { ready: checks.database === 'ok', checks };
  };
}

export function healthRoutes(opts: {
  probe: () => Promise<Readiness>;
  metrics: Metrics;
  isShuttingDown: () => boolean;
}): HttpRoute[] {
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
        const reasons = Object.entries(r.checks)
          .filter(([, v]) => v !== 'ok')
          .map(([k, v]) => `${k}: ${v}`);
        if (r.ready)
          sendJson(res, 200, { status: 'ready', ...(reasons.length ? { degraded: reasons } : {}), checks: r.checks });
        else sendJson(res, 503, { status: 'not ready', reasons, checks: r.checks });
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
