import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveKitFailure } from './domain/livekit-failure';

/** Prometheus metrics, on a registry per app instance (tests run several apps in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly slackAck: Histogram<'kind'>;
  readonly livekitCalls: Histogram<'method' | 'outcome'>;
  readonly livekitErrors: Counter<'method' | 'kind'>;
  readonly webhooks: Counter<'result'>;
  readonly slackApiCalls: Counter<'method' | 'result'>;
  readonly sinchCalls: Counter<'operation' | 'outcome'>;
  readonly handlerFailures: Counter<'route'>;
  readonly processFaults: Counter<'origin'>;
  readonly dependencyUp: Gauge<'dependency'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry }); // standard names, for stock dashboards
    this.httpRequests = new Counter({
      name: 'sipops_http_requests_total',
      help: 'HTTP requests served, by route and status code',
      labelNames: ['route', 'status'],
      registers: [this.registry],
    });
    this.slackAck = new Histogram({
      name: 'sipops_slack_ack_seconds',
      help: 'Time from receiving a Slack request to acknowledging it',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
      registers: [this.registry],
    });
    this.livekitCalls = new Histogram({
      name: 'sipops_livekit_call_seconds',
      help: 'LiveKit API call latency by Twirp method and outcome',
      labelNames: ['method', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.livekitErrors = new Counter({
      name: 'sipops_livekit_errors_total',
      help: 'Failed LiveKit API calls by Twirp method and failure kind',
      labelNames: ['method', 'kind'],
      registers: [this.registry],
    });
    this.webhooks = new Counter({
      name: 'sipops_livekit_webhooks_total',
      help: 'LiveKit webhooks received, by result (accepted, duplicate, rejected)',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.slackApiCalls = new Counter({
      name: 'sipops_slack_api_calls_total',
      help: 'Slack Web API calls made by the notifier, by method and result',
      labelNames: ['method', 'result'],
      registers: [this.registry],
    });
    this.sinchCalls = new Counter({
      name: 'sipops_sinch_api_calls_total',
      help: 'Sinch EST and Numbers API exchanges by operation (IDs hidden) and outcome (HTTP status or failure kind)',
      labelNames: ['operation', 'outcome'],
      registers: [this.registry],
    });
    this.handlerFailures = new Counter({
      name: 'sipops_http_handler_failures_total',
      help: 'HTTP handlers that threw or rejected (answered 500), by route',
      labelNames: ['route'],
      registers: [this.registry],
    });
    this.dependencyUp = new Gauge({
      name: 'sipops_dependency_up',
      help: 'Whether a dependency answered the last readiness probe (1) or not (0)',
      labelNames: ['dependency'],
      registers: [this.registry],
    });
    this.processFaults = new Counter({
      name: 'sipops_process_faults_total',
      help: 'Exceptions and rejections that reached the process-level last resort, by origin',
      labelNames: ['origin'],
      registers: [this.registry],
    });
  }

  observeSinch(e: { operation: string; status?: number; failure?: string }): void {
    this.sinchCalls.inc({
      operation: e.operation,
      outcome: e.status !== undefined ? String(e.status) : (e.failure ?? 'unknown'),
    });
  }

  observeLiveKit(method: string, ms: number, failure?: LiveKitFailure): void {
    this.livekitCalls.observe({ method, outcome: failure ? 'error' : 'ok' }, ms / 1000);
    if (failure) this.livekitErrors.inc({ method, kind: failure.kind });
  }
}
