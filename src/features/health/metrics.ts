/**
 * The health feature's gauges on /metrics, read from the database at each scrape, so replicas
 * sharing one database all report the same: each binding's last known status, and when the last
 * full run finished and whether it passed.
 */
import { BINDING_HEALTH_STATES, bindingHealthStates } from '../../domain/health-run';
import type { Metrics } from '../../metrics';
import type { HealthStatusStore } from '../../store/health-status-store';
import type { AppDeps } from '../feature';

export function registerHealthMetrics(metrics: Metrics, repos: AppDeps['repos'], statuses: HealthStatusStore): void {
  metrics.storedGauge({
    name: 'sipops_binding_health',
    help: "Each binding's last known health: 1 on its status (pass, warn, fail; unknown before its first check), 0 on the others",
    labelNames: ['binding', 'status'],
    read: async () => {
      const [names, known] = await Promise.all([repos.bindings.names(), statuses.knownStatuses()]);
      return bindingHealthStates(names, known).flatMap(({ binding, state }) =>
        BINDING_HEALTH_STATES.map((status) => ({ labels: { binding, status }, value: status === state ? 1 : 0 })),
      );
    },
  });
  metrics.storedGauge({
    name: 'sipops_health_last_run_timestamp_seconds',
    help: 'When the last full health run (scheduled, at start or /sip-setup check) finished, in Unix time; absent before the first',
    labelNames: [],
    read: async () => {
      const last = await statuses.lastFullRunOutcome();
      return last ? [{ labels: {}, value: Date.parse(last.at) / 1000 }] : [];
    },
  });
  metrics.storedGauge({
    name: 'sipops_health_last_run_passed',
    help: 'Whether the last full health run completed with no failing check (1) or not (0); absent before the first',
    labelNames: [],
    read: async () => {
      const last = await statuses.lastFullRunOutcome();
      return last ? [{ labels: {}, value: last.passed ? 1 : 0 }] : [];
    },
  });
}
