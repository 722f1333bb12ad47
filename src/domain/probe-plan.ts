/**
 * What a health run probes over many bindings, each thing once: every distinct host looked up
 * once, every distinct SIP OPTIONS target (by `optionsKey`) sent once, grouped under the host
 * its DNS answer decides.
 */
import type { BindingSpec } from './binding';
import { optionsKey, probeTargetsFor } from './health-checks';
import type { OptionsTarget } from './probes';

export interface ProbePlan {
  /** Host → its distinct OPTIONS targets (hosts only looked up have none). In binding order. */
  hosts: Map<string, OptionsTarget[]>;
  /** Distinct OPTIONS targets. */
  optionsCount: number;
}

export function planProbes(
  bindings: Array<Pick<BindingSpec, 'trunkDomain' | 'livekitSipHost' | 'transport'>>,
): ProbePlan {
  const hosts = new Map<string, OptionsTarget[]>();
  const seenKeys = new Set<string>();
  for (const b of bindings) {
    const plan = probeTargetsFor(b);
    for (const h of plan.dnsHosts) if (!hosts.has(h)) hosts.set(h, []);
    for (const t of plan.options) {
      const key = optionsKey(t);
      if (seenKeys.has(key)) continue;
      seenKeys.add(key);
      const list = hosts.get(t.host) ?? [];
      list.push(t);
      hosts.set(t.host, list);
    }
  }
  return { hosts, optionsCount: seenKeys.size };
}
