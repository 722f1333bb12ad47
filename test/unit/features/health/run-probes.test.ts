import type { Binding } from '../../../../src/domain/binding';
import type { DnsResolver, OptionsProbeResult, OptionsProber, OptionsTarget } from '../../../../src/domain/probes';
import { runProbes, type ProbeSettings } from '../../../../src/features/health/run-probes';
import { storedBinding } from '../../../support/binding-builder';

function binding(
  name: string,
  trunkDomain: string,
  livekitSipHost: string,
  transport: Binding['transport'] = 'udp',
): Binding {
  const spec = {
    name,
    trunkDomain,
    dids: ['+14155550100'],
    callerId: '+14155550100',
    auth: { kind: 'acl' as const },
    transport,
    livekitSipHost,
    dispatch: { kind: 'individual' as const, roomPrefix: 'est-inbound-' },
    reportChannel: 'COPS0001',
  };
  return storedBinding(spec, { createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z' });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(
  answer: (t: OptionsTarget) => Promise<OptionsProbeResult> | OptionsProbeResult = () => ({
    kind: 'response',
    status: 200,
    reason: 'OK',
    rttMs: 1,
  }),
) {
  const probes: OptionsTarget[] = [];
  const lookups: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const prober: OptionsProber = async (t) => {
    probes.push(t);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await answer(t);
    } finally {
      inFlight--;
    }
  };
  const resolver: DnsResolver = async (host) => {
    lookups.push(host);
    if (host.endsWith('.nx')) return { ok: false, code: 'ENOTFOUND', message: `getaddrinfo ENOTFOUND ${host}` };
    return { ok: true, addresses: ['192.0.2.1'] };
  };
  return { prober, resolver, probes, lookups, maxInFlight: () => maxInFlight };
}

function settings(r: ReturnType<typeof recorder>, over: Partial<ProbeSettings> = {}): ProbeSettings {
  return { prober: r.prober, resolver: r.resolver, probeTimeoutMs: 500, concurrency: 16, deadlineMs: 5000, ...over };
}

describe('runProbes', () => {
  it('resolves each distinct host once and sends each distinct OPTIONS probe once', async () => {
    const r = recorder();
    const bindings = Array.from({ length: 30 }, (_, i) =>
      binding(`b${i}`, i % 2 ? 'acme.pstn.sinch.com' : 'beta.pstn.sinch.com', 'sip.example.com'),
    );
    bindings.push(binding('tcp', 'acme.pstn.sinch.com', 'sip.example.com', 'tcp'));
    const res = await runProbes(bindings, settings(r));
    expect(r.lookups.sort()).toEqual(['acme.pstn.sinch.com', 'beta.pstn.sinch.com', 'sip.example.com']);
    expect(r.probes).toHaveLength(5); // 3 hosts over UDP + acme and sip.example.com over TCP
    expect(Object.keys(res.options).sort()).toEqual([
      'tcp:acme.pstn.sinch.com:5060',
      'tcp:sip.example.com:5060',
      'udp:acme.pstn.sinch.com:5060',
      'udp:beta.pstn.sinch.com:5060',
      'udp:sip.example.com:5060',
    ]);
    expect(res).toMatchObject({ dnsLookups: 3, optionsProbes: 5, cutOff: 0 });
  });

  it('does not send OPTIONS to a host that does not resolve', async () => {
    const r = recorder();
    const res = await runProbes([binding('a', 'gone.nx', 'sip.example.com')], settings(r));
    expect(r.probes.map((p) => p.host)).toEqual(['sip.example.com']);
    expect(res.dns['gone.nx']).toMatchObject({ ok: false, code: 'ENOTFOUND' });
    expect(res.options['udp:gone.nx:5060']).toMatchObject({ kind: 'error', code: 'ENOTFOUND' });
  });

  it('probes mapped targets while keeping the binding target as the key', async () => {
    const r = recorder();
    const res = await runProbes(
      [binding('a', 'gone.nx', 'sip.example.com')],
      settings(r, { mapTarget: (t) => ({ ...t, host: '127.0.0.1', port: 15060 }) }),
    );
    expect(r.probes).toEqual([
      { host: '127.0.0.1', port: 15060, transport: 'udp' },
      { host: '127.0.0.1', port: 15060, transport: 'udp' },
    ]);
    expect(res.options['udp:gone.nx:5060']).toMatchObject({ kind: 'response', status: 200 });
  });

  it('bounds concurrency', async () => {
    const r = recorder(async () => {
      await sleep(20);
      return { kind: 'response', status: 200, reason: 'OK', rttMs: 20 };
    });
    const bindings = Array.from({ length: 20 }, (_, i) =>
      binding(`b${i}`, `t${i}.pstn.sinch.com`, `s${i}.example.com`),
    );
    const res = await runProbes(bindings, settings(r, { concurrency: 4 }));
    expect(res.optionsProbes).toBe(40);
    expect(r.maxInFlight()).toBeLessThanOrEqual(4);
  });

  it('stops at the overall deadline: late probes are left out, not waited for', async () => {
    // The first probes answer; the later ones never do. Only the deadline can end the run (the probe
    // timeout is far beyond it), so returning at all shows it did not wait for them, at any machine speed.
    let started = 0;
    const r = recorder(async () => {
      started += 1;
      if (started > 4) await new Promise(() => undefined);
      await sleep(20);
      return { kind: 'response', status: 200, reason: 'OK', rttMs: 20 };
    });
    const bindings = Array.from({ length: 10 }, (_, i) =>
      binding(`b${i}`, `t${i}.pstn.sinch.com`, `s${i}.example.com`),
    );
    const res = await runProbes(bindings, settings(r, { concurrency: 2, deadlineMs: 700, probeTimeoutMs: 600_000 }));
    expect(res.cutOff).toBeGreaterThan(0);
    expect(Object.keys(res.options).length).toBeLessThan(20);
  });

  it('guards against a prober that ignores its timeout and one that throws', async () => {
    const hang: OptionsProber = () => new Promise(() => undefined);
    const r = recorder();
    const res = await runProbes(
      [binding('a', 'acme.pstn.sinch.com', 'sip.example.com')],
      settings(r, { prober: hang, probeTimeoutMs: 100 }),
    );
    expect(res.options['udp:acme.pstn.sinch.com:5060']).toEqual({ kind: 'timeout', ms: 100 });
    const boom: OptionsProber = async () => {
      throw Object.assign(new Error('kaput'), { code: 'EBOOM' });
    };
    const res2 = await runProbes(
      [binding('a', 'acme.pstn.sinch.com', 'sip.example.com')],
      settings(r, { prober: boom }),
    );
    expect(res2.options['udp:sip.example.com:5060']).toEqual({ kind: 'error', code: 'EBOOM', message: 'kaput' });
  });
});
