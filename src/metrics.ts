import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';
import { INBOUND_CALL_OUTCOMES } from './domain/inbound-record';
import type { LiveKitFailure } from './domain/livekit-failure';
import { LOOPBACK_OUTCOMES } from './domain/loopback';
import { TEST_CALL_OUTCOMES } from './domain/test-call';
import { withTimeout } from './with-timeout';

/** One value of a gauge read at scrape time. */
export interface GaugeSample<L extends string> {
  labels: LabelValues<L>;
  value: number;
}

/** A gauge whose values are read from shared state (the database) at each scrape. */
export interface StoredGaugeDef<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  read: () => Promise<Array<GaugeSample<L>>>;
}

const READ_FAILURES = 'sipops_metric_read_failures_total';

/** Longest a scrape waits for one stored gauge: less than Prometheus' default 10 s scrape timeout. */
export const STORED_GAUGE_READ_MS = 5000;

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
  readonly testCalls: Counter<'kind' | 'outcome'>;
  readonly inboundCalls: Counter<'outcome'>;
  readonly storedGaugeFailures: Counter<'metric'>;
  /** Reads of stored gauges in the scrape going on. */
  private readonly pendingReads = new Set<Promise<void>>();

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
    this.testCalls = new Counter({
      name: 'sipops_test_calls_total',
      help: 'Finished test calls by kind (test, loopback) and outcome (answered, no-answer, failed; loopback: passed, failed)',
      labelNames: ['kind', 'outcome'],
      registers: [this.registry],
    });
    this.inboundCalls = new Counter({
      name: 'sipops_inbound_calls_total',
      help: 'Ended inbound calls by outcome (agent_joined, no_agent, ended_before_agent, no_agent_expected, unbound)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    const pendingReads = this.pendingReads;
    this.storedGaugeFailures = new Counter({
      name: READ_FAILURES,
      help: 'Scrapes that could not read a database-backed gauge (left out of that scrape), by metric',
      labelNames: ['metric'],
      registers: [this.registry],
      // Collected after the stored gauges (see storedGauge), once their reads are done: a failure shows in its own scrape.
      collect: async () => {
        await Promise.all([...pendingReads]);
      },
    });
    // Every outcome starts at 0, so rate() and increase() see the first one.
    for (const outcome of TEST_CALL_OUTCOMES) this.testCalls.inc({ kind: 'test', outcome }, 0);
    for (const outcome of LOOPBACK_OUTCOMES) this.testCalls.inc({ kind: 'loopback', outcome }, 0);
    for (const outcome of INBOUND_CALL_OUTCOMES) this.inboundCalls.inc({ outcome }, 0);
  }

  /**
   * A gauge read from the database at each scrape (prom-client `collect`): replicas sharing one
   * database all report the same value. A read that fails or takes longer than
   * `STORED_GAUGE_READ_MS` leaves the gauge out of that scrape (no stale value) and counts in
   * `sipops_metric_read_failures_total`. Registering a name again replaces the earlier gauge.
   */
  storedGauge<L extends string>(def: StoredGaugeDef<L>): Gauge<L> {
    const failures = this.storedGaugeFailures;
    const pending = this.pendingReads;
    this.registry.removeSingleMetric(def.name);
    const gauge = new Gauge<L>({
      name: def.name,
      help: def.help,
      labelNames: def.labelNames,
      registers: [this.registry],
      collect() {
        const done = (async () => {
          const samples = await withTimeout(
            def.read().catch(() => undefined),
            STORED_GAUGE_READ_MS,
            () => undefined,
          );
          this.reset();
          // Without labels, reset() leaves a 0: a gauge with nothing to report is absent instead.
          this.remove({} as LabelValues<L>);
          if (samples) for (const s of samples) this.set(s.labels, s.value);
          else failures.inc({ metric: def.name });
        })();
        pending.add(done);
        return done.finally(() => pending.delete(done));
      },
    });
    // The failure counter stays last in the registry, so a scrape collects it after every stored gauge.
    this.registry.removeSingleMetric(READ_FAILURES);
    this.registry.registerMetric(failures);
    return gauge;
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
