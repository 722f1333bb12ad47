/**
 * One validation over the bindings: LiveKit read with one list call per resource kind
 * (`gateway.snapshot()`), DNS and OPTIONS probes (deduplicated, bounded), the last 24 hours of
 * call records, then the pure `runChecks`. Stores nothing and posts nothing: the feature does.
 * Exported for the benchmark as well (LiveKit calls and wall time per run).
 */
import type { AppDeps } from '../../app';
import type { Binding } from '../../domain/binding';
import { runChecks, type HealthReport, type LiveKitRead } from '../../domain/health-checks';
import type { LiveKitGateway } from '../../livekit/gateway';
import { createOptionsProber } from '../../sip/options-client';
import { dnsLookupResolver, runProbes, type ProbeSettings } from './probes';

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_PROBE_SETTINGS = {
  probeTimeoutMs: 2000,
  concurrency: 16,
  deadlineMs: 20_000,
} as const;

export interface ValidationOptions extends Partial<ProbeSettings> {
  /** Only these bindings (by name) are probed and reported; LiveKit is still read whole. */
  only?: string[];
}

export interface ValidationResult {
  report: HealthReport;
  /** LiveKit API calls made by this run (list calls of the snapshot), by method too. */
  livekitCalls: number;
  livekitCallsByMethod: Record<string, number>;
  dnsLookups: number;
  optionsProbes: number;
  /** Probes the overall deadline cut off. */
  probesCutOff: number;
  /** Wall time of the run in milliseconds (real time, not the injected clock). */
  wallMs: number;
  /** Bindings in the store, and the ones this run covered. */
  bindingCount: number;
}

/** The gateway methods that are LiveKit API calls (`snapshot` is three of them). */
const API_METHODS = new Set<string>([
  'ping',
  'listInboundTrunks',
  'listOutboundTrunks',
  'listDispatchRules',
  'createInboundTrunk',
  'updateInboundTrunk',
  'createOutboundTrunk',
  'updateOutboundTrunk',
  'deleteTrunk',
  'createDispatchRule',
  'updateDispatchRule',
  'deleteDispatchRule',
  'placeCall',
  'removeParticipant',
  'deleteRoom',
  'listRooms',
]);

/** A view of `gateway` that counts API calls, including those `snapshot()` makes through `this`. */
export function countingGateway(gateway: LiveKitGateway): { gateway: LiveKitGateway; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const proxy: LiveKitGateway = new Proxy(gateway, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!API_METHODS.has(prop)) return (...args: unknown[]) => fn.apply(receiver, args);
      return (...args: unknown[]) => {
        counts[prop] = (counts[prop] ?? 0) + 1;
        return fn.apply(receiver, args);
      };
    },
  });
  return { gateway: proxy, counts };
}

function settingsOf(opts: ValidationOptions): ProbeSettings {
  const probeTimeoutMs = opts.probeTimeoutMs ?? DEFAULT_PROBE_SETTINGS.probeTimeoutMs;
  return {
    prober: opts.prober ?? createOptionsProber(),
    resolver: opts.resolver ?? dnsLookupResolver(probeTimeoutMs),
    ...(opts.mapTarget ? { mapTarget: opts.mapTarget } : {}),
    probeTimeoutMs,
    concurrency: opts.concurrency ?? DEFAULT_PROBE_SETTINGS.concurrency,
    deadlineMs: opts.deadlineMs ?? DEFAULT_PROBE_SETTINGS.deadlineMs,
  };
}

async function readLiveKit(gateway: LiveKitGateway): Promise<LiveKitRead> {
  const r = await gateway.snapshot();
  return r.ok ? { ok: true, snapshot: r.value } : { ok: false, failure: r.failure };
}

export async function runValidation(
  deps: Pick<AppDeps, 'livekit' | 'repos' | 'config' | 'now'>,
  opts: ValidationOptions = {},
): Promise<ValidationResult> {
  const started = performance.now();
  const settings = settingsOf(opts);
  const counted = countingGateway(deps.livekit);
  const now = deps.now();

  const bindingsP = deps.repos.bindings.list();
  const livekitP = readLiveKit(counted.gateway);
  const callsP = deps.repos.calls.listSince(new Date(now.getTime() - DAY_MS).toISOString());
  const all = await bindingsP;
  const wanted = opts.only ? new Set(opts.only) : undefined;
  const covered: Binding[] = wanted ? all.filter((b) => wanted.has(b.name)) : all;
  const [livekit, calls, probes] = await Promise.all([livekitP, callsP, runProbes(covered, settings)]);

  const full = runChecks({
    livekit,
    apiSecretLength: deps.config.livekit.apiSecret.length,
    bindings: all,
    dns: probes.dns,
    options: probes.options,
    calls,
    now,
  });
  const report: HealthReport = wanted ? { global: full.global, bindings: full.bindings.filter((b) => wanted.has(b.name)) } : full;
  return {
    report,
    livekitCalls: Object.values(counted.counts).reduce((a, b) => a + b, 0),
    livekitCallsByMethod: { ...counted.counts },
    dnsLookups: probes.dnsLookups,
    optionsProbes: probes.optionsProbes,
    probesCutOff: probes.cutOff,
    wallMs: Math.round(performance.now() - started),
    bindingCount: all.length,
  };
}
