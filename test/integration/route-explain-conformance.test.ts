import { SipClient } from 'livekit-server-sdk';
import { explainRoute } from '../../src/domain/route-match';
import { SdkLiveKitGateway } from '../../src/livekit/gateway';
import { LiveKitEmulator } from '../support/livekit-emulator';

/**
 * Route explain against the emulator's inbound routing (livekit/livekit pkg/service/ioservice_sip.go,
 * protocol sip/sip.go): for each call, the rule and trunk route explain names are those the emulator uses.
 */
describe('route explain agrees with LiveKit inbound routing', () => {
  let lk: LiveKitEmulator;
  let gw: SdkLiveKitGateway;
  let sip: SipClient;
  beforeAll(async () => {
    lk = await LiveKitEmulator.start();
    gw = new SdkLiveKitGateway({ url: lk.url, apiKey: lk.apiKey, apiSecret: lk.apiSecret, requestTimeoutSec: 5 });
    sip = new SipClient(lk.url, lk.apiKey, lk.apiSecret);
  });
  afterEach(() => lk.reset());
  afterAll(async () => lk.stop());

  async function compare(calls: Array<{ from: string; to: string; sourceIp?: string }>): Promise<void> {
    const snap = await gw.snapshot();
    if (!snap.ok) throw new Error(snap.failure.message);
    for (const c of calls) {
      const real = await lk.simulateInboundCall({ ...c, durationMs: 1 });
      const ours = explainRoute(snap.value, c);
      if (real.routed) {
        expect({ to: c.to, outcome: ours.outcome }).toEqual({ to: c.to, outcome: 'routed' });
        if (ours.outcome !== 'routed') continue;
        expect({ to: c.to, rule: ours.rule.id, trunk: ours.trunk?.id ?? '' }).toEqual({
          to: c.to,
          rule: real.ruleId,
          trunk: real.trunkId,
        });
      } else {
        expect({ to: c.to, outcome: ours.outcome, reason: ours.outcome === 'dropped' ? ours.reason : '' }).toEqual({
          to: c.to,
          outcome: 'dropped',
          reason: real.reason,
        });
      }
    }
  }

  it('a rule for all trunks takes calls to numbers no trunk lists, and to callers a trunk refuses', async () => {
    const t = await sip.createSipInboundTrunk('acme', ['+14155550100'], { allowedNumbers: ['+15557777'] });
    await sip.createSipDispatchRule({ type: 'individual', roomPrefix: 'acme' }, { trunkIds: [t.sipTrunkId] });
    await sip.createSipDispatchRule({ type: 'individual', roomPrefix: 'any' }, { name: 'any' });
    await compare([
      { from: '+15557777', to: '+14155550100' },
      { from: '+15557777', to: '+14155550999' },
      { from: '+15550001', to: '+14155550100' },
    ]);
  });

  it("with no rule for all trunks the call is dropped, in LiveKit's wording", async () => {
    const t = await sip.createSipInboundTrunk('acme', ['+14155550100']);
    await sip.createSipDispatchRule({ type: 'individual', roomPrefix: 'acme' }, { trunkIds: [t.sipTrunkId] });
    await compare([
      { from: '+15557777', to: '+14155550999' },
      { from: '+15557777', to: '+14155550100' },
    ]);
  });
});
