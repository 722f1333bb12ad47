import type { OptionsProber, OptionsTarget } from '../../../../src/domain/probes';
import { countingGateway } from '../../../../src/features/health/counting-gateway';
import { performHealthRun } from '../../../../src/features/health/health-run';
import { seedBinding } from '../../../support/fixtures';
import { unitDeps, type UnitDeps } from './support';

describe('performHealthRun', () => {
  const clock = { now: new Date('2024-05-02T09:00:00Z') };
  let u: UnitDeps;
  const probed: OptionsTarget[] = [];
  const prober: OptionsProber = async (t) => {
    probed.push(t);
    return { kind: 'response', status: 200, reason: 'OK', rttMs: 2 };
  };
  const resolver = async () => ({ ok: true as const, addresses: ['192.0.2.10'] });

  beforeAll(async () => {
    u = await unitDeps(clock);
    await seedBinding(u.deps, { name: 'alpha', trunkDomain: 'alpha.pstn.sinch.com' });
    await seedBinding(u.deps, { name: 'bravo', trunkDomain: 'bravo.pstn.sinch.com' });
  });
  afterAll(async () => {
    await u.stop();
  });
  beforeEach(() => {
    probed.length = 0;
  });

  it('reads LiveKit with one list call per resource kind and probes each target once', async () => {
    const r = await performHealthRun(u.deps, { prober, resolver });
    expect(r).toMatchObject({
      livekitCalls: 3,
      livekitCallsByMethod: { listInboundTrunks: 1, listOutboundTrunks: 1, listDispatchRules: 1 },
      bindingCount: 2,
      probesCutOff: 0,
    });
    expect(r.report.bindings.map((b) => [b.name, b.status])).toEqual([
      ['alpha', 'pass'],
      ['bravo', 'pass'],
    ]);
    // Two trunk domains and the shared LiveKit SIP host.
    expect(r.optionsProbes).toBe(3);
    expect(probed).toHaveLength(3);
  });

  it('`only`: those bindings are probed and reported; LiveKit is still read whole', async () => {
    const r = await performHealthRun(u.deps, { prober, resolver, only: ['bravo'] });
    expect(r.report.bindings.map((b) => b.name)).toEqual(['bravo']);
    expect(r.livekitCalls).toBe(3);
    expect(r.bindingCount).toBe(2);
    expect(probed.map((t) => t.host).sort()).toEqual(['bravo.pstn.sinch.com', 'sip.acme.example']);
  });
});

describe('countingGateway', () => {
  it('counts API calls, including the three that snapshot() makes through the view', async () => {
    const u = await unitDeps({ now: new Date() });
    try {
      const { gateway, counts } = countingGateway(u.deps.livekit);
      expect((await gateway.snapshot()).ok).toBe(true);
      await gateway.listRooms();
      expect(counts).toEqual({ listInboundTrunks: 1, listOutboundTrunks: 1, listDispatchRules: 1, listRooms: 1 });
    } finally {
      await u.stop();
    }
  });
});
