import type { Binding } from '../../src/domain/binding';
import { inboundFeature } from '../../src/features/inbound';
import { LoopbackClaims } from '../../src/features/loopback-claims';
import { testCallFeature } from '../../src/features/test-call';
import { LOOPBACK_ACTION } from '../../src/features/test-call/loopback-button';
import type { CallRecord } from '../../src/store/calls-repo';
import { ADMIN_USER, SUPPORT_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { renderMessage } from '../support/slack-render';
import { blockAction, interactivityBody, nowSec } from '../support/slack-request';
import type { SlackMessage } from '../support/slack-standin';

/**
 * `/sip-test-call <binding> loopback [did]` against the LiveKit emulator's loopback (the call to the
 * binding's own DID comes back in through its inbound trunk and rule) with the inbound feature running:
 * the inbound leg is the loopback's, never a customer call.
 */

const TESTER = 'UTESTER1';
const REPORT = 'CREPORT01';

type Ack = { response_type?: string; text?: string };

describe('/sip-test-call <binding> loopback', () => {
  let h: Harness;
  let offset = 0;
  let testCall: ReturnType<typeof testCallFeature>;

  beforeAll(async () => {
    h = await startHarness({
      now: () => new Date(Date.now() + offset),
      env: { TEST_CALL_USER_IDS: TESTER },
      emulator: { emptyRoomCloseMs: 20 },
      features: (deps) => {
        const loopbacks = new LoopbackClaims(() => deps.now().getTime());
        testCall = testCallFeature(deps, {
          holdMs: 50,
          loopbacks,
          loopbackTracksWaitMs: 400,
          loopbackInboundGraceMs: 400,
        });
        return [testCall, inboundFeature(deps, { paceIntervalMs: 20, agentTimeoutMs: 300, loopbacks })];
      },
    });
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    // Each test 11 minutes later: rate-limit windows and trunk slots of earlier tests never interfere.
    offset += 11 * 60_000;
    h.slack.reset();
    h.livekit.setLoopback({ delayMs: 5, agentJoinAfterMs: 5, ringMs: 200 });
  });

  async function command(text: string): Promise<Ack> {
    const res = await h.client.command({
      command: '/sip-test-call',
      text,
      user_id: TESTER,
      channel_id: SUPPORT_CHANNEL,
    });
    expect(res.status).toBe(200);
    return res.body as Ack;
  }

  async function verdict(b: Binding, did = b.dids[0]!): Promise<SlackMessage> {
    return eventually(
      () =>
        h.slack
          .topLevel(SUPPORT_CHANNEL)
          .find((m) => m.versions[0]!.text === `Loopback via ${b.name} to ${did}: dialing` && m.edits > 0),
      8000,
      `the loopback verdict for ${b.name}`,
    );
  }

  const readable = (msg: { blocks?: unknown[] }): string => renderMessage(msg).replace(/[*`]/g, '');
  const replies = (parent: SlackMessage): string[] =>
    h.slack.thread(SUPPORT_CHANNEL, parent.ts).replies.map((m) => renderMessage(m.args).replace(/`/g, ''));

  async function loopRecord(b: Binding): Promise<CallRecord> {
    return eventually(
      async () =>
        (await h.deps.repos.calls.listSince('2000-01-01T00:00:00Z', { direction: 'loopback' })).find(
          (c) => c.bindingName === b.name,
        ),
      4000,
      'the loopback record',
    );
  }

  const seed = (over: Parameters<typeof seedBinding>[1] = {}): Promise<Binding> =>
    seedBinding(h.deps, { agentName: 'support-agent', reportChannel: REPORT, ...over });

  it('passes: every stage timed, both legs hung up and both rooms deleted; the inbound leg is no customer call', async () => {
    const b = await seed();
    const ack = await command(`${b.name} loopback`);
    expect(ack.text?.replace(/`/g, '')).toContain(`Loopback via ${b.name}: calling its own DID ${b.dids[0]}`);
    const parent = await verdict(b);
    const text = readable(parent);
    expect(text).toContain(`Loopback via ${b.name} to ${b.dids[0]}: passed`);
    for (const stage of [
      'outbound leg placed',
      'inbound leg seen in LiveKit',
      'agent joined',
      'outbound leg answered',
      'audio tracks published on both sides',
    ])
      expect(text).toContain(`✅ ${stage}`);
    expect(text).toMatch(
      /answer [\d.]+ m?s · post-dial [\d.]+ m?s · agent [\d.]+ m?s · tracks [\d.]+ m?s · total [\d.]+ m?s/,
    );
    const thread = replies(parent).join('\n');
    expect(thread).toContain('Inbound leg seen after');
    expect(thread).toContain('Agent support-agent joined');
    expect(thread).toMatch(/Hung up both legs; sipops-loop-.* and est-inbound-_.* deleted/);
    const rec = await loopRecord(b);
    expect(rec).toMatchObject({
      direction: 'loopback',
      outcome: 'passed',
      caller: b.callerId,
      callee: b.dids[0],
      agentJoined: true,
    });
    const loop = h.livekit.loops.at(-1)!;
    expect(rec.detail).toMatchObject({
      kind: 'loopback',
      inbound: {
        room: loop.inbound!.roomName,
        trunkId: b.resources.inboundTrunkId,
        ruleId: b.resources.dispatchRuleId,
        callId: loop.inbound!.callId,
      },
    });
    await eventually(() => h.livekit.rooms().length === 0, 4000, 'both rooms gone');
    // Not a customer call: nothing in the report channel, no inbound record.
    expect(h.slack.topLevel(REPORT)).toEqual([]);
    expect(await h.deps.repos.calls.listSince('2000-01-01T00:00:00Z', { direction: 'inbound' })).toEqual([]);
  });

  it('fails at "inbound leg seen" when EST does not route the DID back, naming number assignment and endpoint', async () => {
    const b = await seed();
    h.livekit.setLoopback({ delayMs: 5, breakage: { kind: 'drop', sipStatus: 404 } });
    await command(`${b.name} loopback`);
    const text = readable(await verdict(b));
    expect(text).toContain('the DID was not routed back to LiveKit');
    expect(text).toContain('❌ inbound leg seen in LiveKit');
    expect(text).toContain(`assigned to the EST trunk ${b.trunkDomain}`);
    expect(text).toContain('sip.acme.example:5060/UDP');
    expect(await loopRecord(b)).toMatchObject({ outcome: 'failed', endReason: 'inbound' });
  });

  it('fails at "agent joined" when no agent comes, with the watchdog\'s checks', async () => {
    const b = await seed();
    h.livekit.setLoopback({ delayMs: 5, ringMs: 100, breakage: { kind: 'no-agent' } });
    await command(`${b.name} loopback`);
    const text = readable(await verdict(b));
    expect(text).toContain('❌ agent joined');
    expect(text).toContain('agent_name="support-agent"');
    expect(h.slack.topLevel(REPORT)).toEqual([]);
  });

  it("fails at routing when the call lands on another binding's trunk, naming it", async () => {
    const b = await seed();
    const other = await seed({ name: 'sales-1' });
    h.livekit.setLoopback({ delayMs: 5, agentJoinAfterMs: 5, breakage: { kind: 'reroute', to: other.dids[0]! } });
    await command(`${b.name} loopback`);
    const text = readable(await verdict(b));
    expect(text).toContain('the inbound leg landed on another trunk or rule');
    expect(text).toContain(`${other.resources.inboundTrunkId}`);
    expect(text).toContain('binding sales-1');
  });

  it('fails at dial when the outbound leg is refused, with the SIP diagnosis', async () => {
    const b = await seed();
    h.livekit.setCallOutcome(b.dids[0]!, { kind: 'reject', sipStatus: 403 });
    await command(`${b.name} loopback`);
    const text = readable(await verdict(b));
    expect(text).toContain('outbound leg refused');
    expect(text).toContain('❌ outbound leg placed');
  });

  it("guards: only the binding's own DID, only a caller ID it owns; nothing is dialed otherwise", async () => {
    const b = await seed();
    const before = h.livekit.countCalls('CreateSIPParticipant');
    expect((await command(`${b.name} loopback +14155559999`)).text).toContain('is not a DID of');
    const foreign = await seed({ callerId: '+14155550000' });
    expect((await command(`${foreign.name} loopback`)).text).toContain('is not one of its own numbers');
    expect((await command(`${b.name} loopback 12ab`)).text).toContain(
      'Usage: `/sip-test-call <binding> loopback [did]`',
    );
    expect(h.livekit.countCalls('CreateSIPParticipant')).toBe(before);
  });

  it('the "Loopback" button under a test call\'s result runs a loopback of that binding', async () => {
    const b = await seed();
    await command(`${b.name} +14156661234`);
    const parent = await eventually(
      () =>
        h.slack.topLevel(SUPPORT_CHANNEL).find((m) => m.edits > 0 && m.versions[0]!.text.startsWith('Test call via')),
      8000,
      'the test call verdict',
    );
    const actions = (
      parent.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
    ).find((x) => x.type === 'actions')!;
    const button = actions.elements!.find((e) => e.action_id === LOOPBACK_ACTION)!;
    h.slack.reset();
    offset += 11 * 60_000;
    const press = interactivityBody(
      blockAction({
        actionId: LOOPBACK_ACTION,
        value: button.value,
        user: TESTER,
        channel: SUPPORT_CHANNEL,
        messageTs: parent.ts,
        responseUrl: h.slack.responseUrl('press'),
      }),
    );
    expect((await h.client.post(press, { timestamp: nowSec() })).status).toBe(200);
    expect(readable(await verdict(b))).toContain('passed');
  });

  it('daily loopbacks: off by default; `/sip-setup loopback <binding> on` (admins only) makes the daily run include it', async () => {
    const b = await seed();
    await testCall.runDailyLoopbacks();
    expect(h.livekit.loops.filter((l) => l.to === b.dids[0])).toEqual([]);
    const setup = async (user: string, text: string): Promise<string> =>
      (
        (await h.client.command({ command: '/sip-setup', text, user_id: user, channel_id: SUPPORT_CHANNEL }))
          .body as Ack
      ).text ?? '';
    expect(await setup(TESTER, `loopback ${b.name} on`)).toContain('Only SIP Ops admins');
    expect(await setup(ADMIN_USER, `loopback ${b.name} on`)).toContain('*on*');
    await testCall.runDailyLoopbacks();
    expect(await loopRecord(b)).toMatchObject({ outcome: 'passed' });
    expect(await setup(ADMIN_USER, `loopback ${b.name} off`)).toContain('*off*');
  });
});
