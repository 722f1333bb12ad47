/**
 * One health run over the bindings: LiveKit read with one list call per resource kind
 * (`gateway.snapshot()`), DNS and OPTIONS probes (deduplicated, bounded), the last 24 hours of
 * call records, then the pure `runChecks`. Stores nothing and posts nothing: the runner does.
 * Exported for the benchmark as well (LiveKit calls and wall time per run).
 */
import type { Binding } from '../../domain/binding';
import { TEST_DESTINATION_DAYS, destinationsByBinding } from '../../domain/est-countries';
import { runChecks, worstStatus, type HealthReport, type LiveKitRead } from '../../domain/health-checks';
import { LOOPBACK_DAILY_KEY, loopbackFinding, parseDailySet } from '../../domain/loopback';
import type { LiveKitGateway } from '../../livekit/gateway';
import { dnsLookupResolver } from '../../sip/dns-resolver';
import { createOptionsProber } from '../../sip/options-client';
import type { AppDeps } from '../feature';
import { countingGateway } from './counting-gateway';
import { readEst } from './est-read';
import { runProbes, type ProbeSettings } from './run-probes';

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_PROBE_SETTINGS = {
  probeTimeoutMs: 2000,
  concurrency: 16,
  deadlineMs: 20_000,
} as const;

export interface HealthRunOptions extends Partial<ProbeSettings> {
  /** Only these bindings (by name) are probed and reported; LiveKit is still read whole. */
  only?: string[];
  /** IPv4 of a LiveKit SIP host, for the EST ACL check (default: none known, the check warns). */
  lookupIpv4?: (host: string) => Promise<string | undefined>;
}

export interface HealthRunResult {
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

function settingsOf(opts: HealthRunOptions): ProbeSettings {
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

/** Bindings with daily loopbacks on get a finding from their last loopback (a failed one fails the binding). */
async function withLoopbackFindings(repos: AppDeps['repos'], report: HealthReport): Promise<HealthReport> {
  const daily = new Set(parseDailySet(await repos.meta.get(LOOPBACK_DAILY_KEY)));
  if (daily.size === 0) return report;
  const bindings = await Promise.all(
    report.bindings.map(async (b) => {
      if (!daily.has(b.name)) return b;
      const findings = [...b.findings, loopbackFinding(b.name, await repos.calls.latest('loopback', b.name))];
      return { ...b, findings, status: worstStatus(findings.map((f) => f.status)) };
    }),
  );
  return { ...report, bindings };
}

export async function performHealthRun(
  deps: Pick<AppDeps, 'livekit' | 'repos' | 'config' | 'now' | 'sinch'>,
  opts: HealthRunOptions = {},
): Promise<HealthRunResult> {
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
  const lookupIpv4 =
    opts.lookupIpv4 ??
    (async (host: string) => {
      const r = await settings.resolver(host);
      return r.ok ? r.addresses.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)) : undefined;
    });
  const estP = (async () => {
    const since = new Date(now.getTime() - TEST_DESTINATION_DAYS * DAY_MS).toISOString();
    const tests = deps.sinch ? await deps.repos.calls.listSince(since, { direction: 'test' }) : [];
    return readEst(deps.sinch, covered, now, lookupIpv4, destinationsByBinding(tests));
  })();
  const [livekit, calls, probes, est] = await Promise.all([livekitP, callsP, runProbes(covered, settings), estP]);

  const full = runChecks({
    livekit,
    apiSecretLength: deps.config.livekit.apiSecret.length,
    bindings: all,
    dns: probes.dns,
    options: probes.options,
    calls,
    now,
  });
  const bindings = (wanted ? full.bindings.filter((b) => wanted.has(b.name)) : full.bindings).map((b) => {
    const more = est.findings.get(b.name) ?? [];
    const findings = [...b.findings, ...more];
    return more.length ? { ...b, findings, status: worstStatus(findings.map((f) => f.status)) } : b;
  });
  const report = await withLoopbackFindings(deps.repos, { global: full.global, bindings, est: est.report });
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
