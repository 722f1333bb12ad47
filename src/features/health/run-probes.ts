/**
 * The network half of a health run: each distinct host resolved once, each distinct SIP OPTIONS
 * target (by `optionsKey`) probed once, with a per-probe timeout, a concurrency bound and an
 * overall deadline. Probes not finished by the deadline are left out (the checks report them
 * as "not probed").
 */
import type { Binding } from '../../domain/binding';
import { optionsKey } from '../../domain/health-checks';
import { planProbes } from '../../domain/probe-plan';
import {
  probeError,
  type DnsProbeResult,
  type DnsResolver,
  type OptionsProbeResult,
  type OptionsProber,
  type OptionsTarget,
} from '../../domain/probes';
import { withTimeout } from '../../with-timeout';

export interface ProbeSettings {
  prober: OptionsProber;
  resolver: DnsResolver;
  /** Where a target is really probed (tests and the demo point it at a local SIP peer); results keep the original key. */
  mapTarget?: (target: OptionsTarget) => OptionsTarget;
  /** Per OPTIONS probe. */
  probeTimeoutMs: number;
  /** Probes (DNS and OPTIONS) in flight at once. */
  concurrency: number;
  /** For all probes of a run. */
  deadlineMs: number;
}

export interface ProbeResults {
  dns: Record<string, DnsProbeResult>;
  options: Record<string, OptionsProbeResult>;
  /** Distinct hosts looked up and OPTIONS probes sent. */
  dnsLookups: number;
  optionsProbes: number;
  /** Probes the deadline cut off (not started or not finished). */
  cutOff: number;
}

/** Runs `task` unless the deadline passed; never rejects. */
type Task = () => Promise<void>;

class Pool {
  private active = 0;
  private readonly queue: Task[] = [];
  private readonly pending = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly open: () => boolean,
  ) {}

  add(task: Task): void {
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limit && this.queue.length > 0) {
      const task = this.queue.shift()!;
      if (!this.open()) continue;
      this.active++;
      const p = task()
        .catch(() => undefined)
        .finally(() => {
          this.active--;
          this.pending.delete(p);
          this.pump();
        });
      this.pending.add(p);
    }
    if (this.active === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }
}

/** DNS for every host of `bindings`, then OPTIONS for every target whose host resolved (or that is mapped elsewhere). */
export async function runProbes(bindings: Binding[], s: ProbeSettings): Promise<ProbeResults> {
  const { hosts, optionsCount } = planProbes(bindings);

  const dns: Record<string, DnsProbeResult> = {};
  const options: Record<string, OptionsProbeResult> = {};
  let dnsLookups = 0;
  let optionsProbes = 0;
  const deadlineAt = performance.now() + s.deadlineMs;
  const open = (): boolean => performance.now() < deadlineAt;
  const pool = new Pool(Math.max(1, s.concurrency), open);
  const perProbe = (): number => Math.max(1, Math.min(s.probeTimeoutMs, deadlineAt - performance.now()));

  const probe =
    (target: OptionsTarget): Task =>
    async () => {
      optionsProbes++;
      const real = s.mapTarget ? s.mapTarget(target) : target;
      const ms = perProbe();
      // The prober honours its timeout; the race is a guard against one that does not.
      const r = await withTimeout(
        s
          .prober(real, { timeoutMs: ms })
          .catch((err: unknown): OptionsProbeResult => ({ kind: 'error', ...probeError(err, 'EDNS') })),
        ms + 250,
        (): OptionsProbeResult => ({ kind: 'timeout', ms }),
      );
      options[optionsKey(target)] = r;
    };

  for (const [host, targets] of hosts) {
    pool.add(async () => {
      dnsLookups++;
      const r = await withTimeout(
        s.resolver(host).catch((err: unknown): DnsProbeResult => ({ ok: false, ...probeError(err, 'EDNS') })),
        Math.max(1, Math.min(s.probeTimeoutMs, deadlineAt - performance.now())) + 250,
        (): DnsProbeResult => ({ ok: false, code: 'ETIMEOUT', message: 'no DNS answer in time' }),
      );
      dns[host] = r;
      for (const t of targets) {
        const mapped = s.mapTarget ? s.mapTarget(t) : t;
        if (r.ok && r.addresses.length > 0) pool.add(probe(t));
        else if (mapped.host !== t.host) pool.add(probe(t));
        else {
          const why = r.ok ? 'no addresses' : `${r.code}: ${r.message}`;
          options[optionsKey(t)] = {
            kind: 'error',
            code: r.ok ? 'ENOTFOUND' : r.code,
            message: `DNS lookup of ${host} failed (${why}); OPTIONS not sent`,
          };
        }
      }
    });
  }

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadlineAt - performance.now()));
  });
  await Promise.race([pool.idle(), deadline]);
  clearTimeout(timer);

  const expected = hosts.size + optionsCount;
  const got = Object.keys(dns).length + Object.keys(options).length;
  // Copies: probes still running after the deadline must not change the results afterwards.
  return { dns: { ...dns }, options: { ...options }, dnsLookups, optionsProbes, cutOff: expected - got };
}
