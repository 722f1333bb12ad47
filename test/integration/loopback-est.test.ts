/**
 * Loopbacks with the Sinch side managed (issue 17 points 2 and 4): the LiveKit emulator asks the Sinch
 * emulator how EST routes the DID (`SinchEmulator.loopbackRoute`, injected as `LoopbackOptions.route`),
 * so an EST misconfiguration breaks the loop as it would in reality, and the verdict's "inbound leg"
 * stage cites what EST has: the number's assignment, the trunk's endpoint and EST's call record.
 */
import type { Binding } from '../../src/domain/binding';
import { inboundFeature } from '../../src/features/inbound';
import { LoopbackClaims } from '../../src/features/loopback-claims';
import { testCallFeature } from '../../src/features/test-call';
import type { SinchGateway } from '../../src/sinch/gateway';
import type { CallRecord } from '../../src/store/calls-repo';
import { SUPPORT_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { renderMessage } from '../support/slack-render';

const TESTER = 'UTESTER1';
const readable = (msg: { blocks?: unknown[] }): string => renderMessage(msg).replace(/[*`]/g, '');

describe('loopback through the Sinch emulator (EST side managed)', () => {
  let h: Harness;
  let sinch: SinchGateway;
  let offset = 0;
  let host = 0;

  beforeAll(async () => {
    h = await startHarness({
      now: () => new Date(Date.now() + offset),
      env: { TEST_CALL_USER_IDS: TESTER },
      emulator: { emptyRoomCloseMs: 20 },
      // One clock for the service and EST (its call history is searched by time).
      sinch: { provisioningDelayMs: 0, now: () => Date.now() + offset },
      features: (deps) => {
        const loopbacks = new LoopbackClaims(() => deps.now().getTime());
        return [
          testCallFeature(deps, { loopbacks, loopbackTracksWaitMs: 400, loopbackInboundGraceMs: 400 }),
          inboundFeature(deps, { paceIntervalMs: 20, agentTimeoutMs: 300, loopbacks }),
        ];
      },
    });
    sinch = h.deps.sinch!;
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    offset += 11 * 60_000;
    h.slack.reset();
    h.livekit.setLoopback({
      delayMs: 5,
      agentJoinAfterMs: 5,
      ringMs: 200,
      route: h.sinch!.loopbackRoute('sip.acme.example'),
    });
  });

  /** A binding whose EST trunk sends calls to LiveKit and holds its DID (as /sip-setup would leave it). */
  async function estBinding(): Promise<{ b: Binding; trunkId: string }> {
    host++;
    const hostName = `loop-est-${host}`;
    const trunk = await sinch.createTrunk({ name: hostName, hostName });
    await sinch.createEndpoint(trunk.id!, { name: 'livekit', address: 'sip.acme.example', port: 5060, priority: 1 });
    const b = await seedBinding(h.deps, { agentName: 'support-agent', trunkDomain: trunk.domain! });
    h.sinch!.addOwnedNumber(b.dids[0]!);
    await sinch.assignNumber(b.dids[0]!, trunk.id!);
    await eventually(async () => (await sinch.getActiveNumber(b.dids[0]!)).voiceConfiguration?.trunkId === trunk.id);
    return { b, trunkId: trunk.id! };
  }

  async function loopback(b: Binding): Promise<{ text: string; record: CallRecord }> {
    const res = await h.client.command({
      command: '/sip-test-call',
      text: `${b.name} loopback`,
      user_id: TESTER,
      channel_id: SUPPORT_CHANNEL,
    });
    expect(res.status).toBe(200);
    const msg = await eventually(
      () =>
        h.slack
          .topLevel(SUPPORT_CHANNEL)
          .find((m) => m.versions[0]!.text === `Loopback via ${b.name} to ${b.dids[0]}: dialing` && m.edits > 0),
      15_000,
      `the loopback verdict for ${b.name}`,
    );
    const record = await eventually(
      async () =>
        (await h.deps.repos.calls.listSince('2000-01-01T00:00:00Z', { direction: 'loopback' })).find(
          (c) => c.bindingName === b.name,
        ),
      4000,
      'the loopback record',
    );
    return { text: readable(msg), record };
  }

  it('EST configured right (DID on the trunk, endpoint = LiveKit): the loop comes back and passes', async () => {
    const { b } = await estBinding();
    const { record } = await loopback(b);
    expect(record).toMatchObject({ outcome: 'passed' });
    expect(h.sinch!.state.calls.filter((c) => c.to === b.dids[0])).toHaveLength(0);
  });

  it('DID unassigned in EST: the loop breaks at "inbound leg", citing the assignment and EST\'s call record', async () => {
    const { b } = await estBinding();
    await sinch.assignNumber(b.dids[0]!, null);
    await eventually(async () => !(await sinch.getActiveNumber(b.dids[0]!)).voiceConfiguration?.trunkId);
    const { text, record } = await loopback(b);
    expect(record).toMatchObject({ outcome: 'failed', endReason: 'inbound' });
    expect(text).toContain('❌ inbound leg seen in LiveKit');
    expect(text).toContain(`EST: ${b.dids[0]} is not assigned to any EST trunk (Numbers API).`);
    const [cdr] = h.sinch!.state.calls.filter((c) => c.to === b.dids[0]);
    expect(cdr).toMatchObject({ callResult: 'FAILED', from: b.callerId });
    expect(text).toContain(`EST call record ${cdr!.callId}: FAILED, on no trunk.`);
  });

  it('EST endpoint pointing elsewhere: the loop breaks at "inbound leg", naming the endpoint', async () => {
    const { b, trunkId } = await estBinding();
    const [ep] = await sinch.listEndpoints(trunkId);
    await sinch.updateEndpoint(trunkId, ep!.id!, {
      name: 'livekit',
      address: 'sip.elsewhere.example',
      port: 5060,
      priority: 1,
    });
    const { text, record } = await loopback(b);
    expect(record).toMatchObject({ outcome: 'failed', endReason: 'inbound' });
    expect(text).toContain(
      `EST: the trunk ${b.trunkDomain} sends calls to sip.elsewhere.example, not LiveKit's SIP host sip.acme.example.`,
    );
    expect(text).toContain(`: FAILED, trunk ${trunkId}.`);
  });
});
