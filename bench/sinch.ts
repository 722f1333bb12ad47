/**
 * Bench rows for the EST side (issue 16 point 10): Sinch API calls per health run (constant per EST trunk
 * whatever the call history holds), and create-binding wall time with 20 ms latency on both LiveKit and
 * Sinch, the Numbers API provisioning delay set to 0 (the wait is excluded).
 */
import type { DnsResolver, OptionsProber } from '../src/domain/probes';
import type { AppDeps } from '../src/features/feature';
import { performHealthRun } from '../src/features/health/health-run';
import { sipSetupFeature } from '../src/features/sip-setup';
import { OPS_CHANNEL, eventually, startHarness } from '../test/support/app-harness';
import { bindingForm, submitCreateForm } from '../test/support/binding-form';

interface Row {
  measure: string;
  value: string;
  target: string;
  ok: boolean | undefined;
}

const features = (deps: AppDeps) => [
  sipSetupFeature(deps, { lookupIpv4: async () => '203.0.113.7', provisioning: { polls: 10, intervalMs: 1 } }),
];
const resolver: DnsResolver = async () => ({ ok: true, addresses: ['203.0.113.7'] });
const prober: OptionsProber = async () => ({ kind: 'response', status: 200, reason: 'OK', rttMs: 1, server: 'bench' });

export async function benchSinch(rows: Row[]): Promise<void> {
  const h = await startHarness({ features, emulator: { latencyMs: 20 }, sinch: {} });
  try {
    const sinch = h.sinch!;
    sinch.setLatency('*', 20);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const dids = [`+1415555${1000 + 2 * i}`, `+1415555${1001 + 2 * i}`];
      for (const d of dids) sinch.addOwnedNumber(d);
      const name = `bench-${i}`;
      const t0 = performance.now();
      await submitCreateForm(
        h.client,
        bindingForm({
          name,
          estSide: 'managed',
          dids: dids.join('\n'),
          callerId: dids[0]!,
          trunkDomain: `bench${i}.pstn.sinch.com`,
        }),
      );
      await eventually(
        () =>
          h.slack
            .topLevel(OPS_CHANNEL)
            .some(
              (m) =>
                JSON.stringify(m.blocks ?? []).includes(`${name}\`* created`) ||
                JSON.stringify(m.blocks ?? []).includes(`\`${name}\` created`),
            ),
        20_000,
        `${name} created`,
      );
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[1]!;
    rows.push({
      measure:
        'create binding, EST managed (2 DIDs), 20 ms latency on LiveKit and Sinch, provisioning excluded (median of 3)',
      value: `${median.toFixed(0)} ms`,
      target: '< 2,000 ms',
      ok: median < 2000,
    });

    sinch.setLatency('*', 0);
    const perRun = async (calls: number): Promise<number> => {
      sinch.state.calls.length = 0;
      const trunks = [...sinch.state.trunks.values()];
      const at = new Date(Date.now() - 3600_000).toISOString();
      for (let i = 0; i < calls; i++) {
        const t = trunks[i % trunks.length]!;
        sinch.addCall({
          from: '+15550100000',
          to: '+14155551000',
          direction: 'inbound',
          callResult: i % 7 === 0 ? 'FAILED' : 'COMPLETED',
          createTime: at,
          durationSeconds: 3,
          trunkId: t.id,
        });
      }
      const before = sinch.requests.length;
      await performHealthRun(h.deps, { prober, resolver });
      return sinch.requests.length - before;
    };
    const few = await perRun(30);
    const many = await perRun(30_000);
    const trunks = sinch.state.trunks.size;
    rows.push({
      measure: `Sinch API calls per health run, ${trunks} EST trunks (30 vs 30,000 calls in the 24 h history)`,
      value: `${few} vs ${many} (${(many / trunks).toFixed(1)} per trunk)`,
      target: 'constant per trunk',
      ok: few === many,
    });
  } finally {
    await h.stop();
  }
}
