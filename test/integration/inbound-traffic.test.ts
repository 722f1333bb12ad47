import { inboundFeature } from '../../src/features/inbound';
import { eventually, OPS_CHANNEL, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { settled, threadText } from '../support/inbound-slack';
import type { InboundCall } from '../support/livekit-emulator/types';

/**
 * The agent watchdog and the short-call limit are far from the emulator's own delays (an agent joining
 * after 50 ms, a 50 ms call), so a busy machine cannot move a call across them; calls that must outlive
 * a bound are held open by the test until the product acted on it (`hangUpWhen`).
 */
const AGENT_TIMEOUT_MS = 1500;
const SHORT_CALL_MS = 1500;

async function call(h: Harness, c: InboundCall): Promise<string> {
  const r = await h.livekit.simulateInboundCall(c);
  if (!r.routed) throw new Error(`not routed: ${r.reason}`);
  return r.roomName;
}

/** Resolves once a top-level message of the channel has a thread whose text contains `needle`. */
function threadShows(h: Harness, channel: string, needle: string): Promise<unknown> {
  return eventually(
    () => h.slack.topLevel(channel).some((p) => threadText(h, p).includes(needle)),
    25_000,
    `“${needle}” in ${channel}`,
  );
}

/** The duration, in ms, that an "Ended · 1.7 s · …" line shows. */
function shownDurationMs(text: string, line: RegExp): number {
  const m = text.match(line);
  if (!m) throw new Error(`no line ${line} in:\n${text}`);
  return Number(m[1]) * 1000;
}

describe('inbound calls: agent watchdog, unbound trunks, noise', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      features: (deps) => [
        inboundFeature(deps, {
          paceIntervalMs: 20,
          agentTimeoutMs: AGENT_TIMEOUT_MS,
          noise: { shortCallMs: SHORT_CALL_MS },
        }),
      ],
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('warns in the thread with the Sinch guide’s checks when the agent does not join in time', async () => {
    const binding = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CWATCH001' });
    // The caller stays on the line until the warning is posted.
    const room = await call(h, {
      from: '+15550200',
      to: binding.dids[0]!,
      agent: 'none',
      hangUpWhen: threadShows(h, 'CWATCH001', 'No agent joined within'),
    });
    await settled(h, 250);
    const [parent, ...more] = h.slack.topLevel('CWATCH001');
    expect(more).toHaveLength(0);
    const text = threadText(h, parent!);
    expect(text).toContain('No agent joined within 1.5 s');
    expect(text).toContain(
      `✅ dispatch rule \`${binding.resources.dispatchRuleId}\` lists \`inbound-agent\` in \`roomConfig.agents\``,
    );
    expect(text).toContain('registered under the same agent name, `agent_name="inbound-agent"`');
    expect(text).toContain('Named vs automatic dispatch');
    expect(text).toContain(`\`received job request\` for room \`${room}\``);
    // The call lasted at least the watchdog's bound (it ended after the warning).
    expect(
      shownDurationMs(
        text,
        /⚠️ \*Ended\* · (\d+\.\d) s · \*no agent joined\* \(expected `inbound-agent`\) · the caller hung up/,
      ),
    ).toBeGreaterThanOrEqual(AGENT_TIMEOUT_MS);
    expect(text.match(/No agent joined within/g)).toHaveLength(1);
    const rec = await h.deps.repos.calls.findByRoom(room, 'inbound');
    expect(rec).toMatchObject({ outcome: 'missed', agentJoined: false, bindingName: binding.name });
    expect(rec!.detail).toMatchObject({ agentMissing: true, agentName: 'inbound-agent' });
  });

  it('says so when the dispatch rule no longer names the agent', async () => {
    const binding = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CWATCH002' });
    const changed = await h.deps.livekit.updateDispatchRule(binding.resources.dispatchRuleId!, { agents: [] });
    expect(changed.ok).toBe(true);
    const hangUpWhen = threadShows(h, 'CWATCH002', 'lists no agents');
    await call(h, { from: '+15550201', to: binding.dids[0]!, agent: { joinAfterMs: 10 }, hangUpWhen });
    await settled(h, 250);
    const [parent] = h.slack.topLevel('CWATCH002');
    const text = threadText(h, parent!);
    expect(text).toContain(
      `❌ dispatch rule \`${binding.resources.dispatchRuleId}\` lists no agents in \`roomConfig.agents\`, not \`inbound-agent\``,
    );
    expect(text).toContain(`/sip-setup ${binding.name}`);
  });

  it('posts no warning when the agent joins in time, and none for bindings without an agent', async () => {
    const withAgent = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CWATCH003' });
    const without = await seedBinding(h.deps, { reportChannel: 'CWATCH003' });
    // Both calls outlive the watchdog's deadline: a warning would have been posted by then.
    const durationMs = AGENT_TIMEOUT_MS + 300;
    const [joinedRoom] = await Promise.all([
      call(h, { from: '+15550202', to: withAgent.dids[0]!, agent: { joinAfterMs: 50 }, durationMs }),
      call(h, { from: '+15550203', to: without.dids[0]!, agent: 'none', durationMs }),
    ]);
    await settled(h, 250);
    const parents = h.slack.topLevel('CWATCH003');
    expect(parents).toHaveLength(2);
    for (const p of parents) expect(threadText(h, p)).not.toContain('No agent joined within');
    const noAgent = parents.find((p) => p.text.includes('+15550203'))!;
    expect(
      shownDurationMs(threadText(h, noAgent), /☑️ \*Ended\* · (\d+\.\d) s · the caller hung up/),
    ).toBeGreaterThanOrEqual(durationMs);
    expect(await h.deps.repos.calls.findByRoom(joinedRoom, 'inbound')).toMatchObject({ agentJoined: true });
  });

  it('reports calls on a trunk no binding owns once per trunk, to SUMMARY_CHANNEL', async () => {
    const trunk = await h.deps.livekit.createInboundTrunk({
      name: 'made-with-lk',
      metadata: '',
      numbers: ['+14155559990', '+14155559991'],
      mediaEncryption: 'disable',
    });
    if (!trunk.ok) throw new Error(trunk.failure.message);
    const rule = await h.deps.livekit.createDispatchRule({
      name: 'made-with-lk',
      metadata: '',
      trunkIds: [trunk.value.id],
      rule: { kind: 'individual', roomPrefix: 'foreign', pin: '', noRandomness: false },
      agents: [],
    });
    if (!rule.ok) throw new Error(rule.failure.message);
    const before = h.slack.messages(OPS_CHANNEL).length;
    const room = await call(h, { from: '+15550300', to: '+14155559990', agent: 'none', durationMs: 50 });
    await call(h, { from: '+15550301', to: '+14155559991', agent: 'none', durationMs: 50 });
    await settled(h, 250);
    const reports = h.slack.messages(OPS_CHANNEL).slice(before);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.text).toContain(
      `Inbound traffic that no SIP Ops binding owns* on LiveKit inbound trunk \`${trunk.value.id}\``,
    );
    expect(reports[0]!.text).toContain(`/sip-setup import <name> inbound=${trunk.value.id} rule=${rule.value.id}`);
    expect(reports[0]!.text).toContain('+15550300');
    expect(h.slack.messages().filter((m) => m.text.includes('+15550301'))).toHaveLength(0);
    const rec = await h.deps.repos.calls.findByRoom(room, 'inbound');
    expect(rec).toMatchObject({ bindingName: null, outcome: 'unbound', caller: '+15550300' });
    expect(await h.deps.repos.meta.get(`inbound.unbound.${trunk.value.id}`)).toBeDefined();
  });

  it('folds repeated short calls from one caller into one note, and gives a long one its thread', async () => {
    const binding = await seedBinding(h.deps, {
      agentName: 'inbound-agent',
      reportChannel: 'CNOISE001',
      dids: ['+14155558000', '+14155558001'],
    });
    const rooms: string[] = [];
    for (let i = 0; i < 5; i++) {
      rooms.push(await call(h, { from: '+15550999', to: binding.dids[i % 2]!, agent: 'none', durationMs: 50 }));
      // Each call's end is processed before the next one starts, as with real monitoring intervals.
      await eventually(
        async () => (await h.deps.repos.calls.findByRoom(rooms[i]!, 'inbound'))?.endedAt,
        25_000,
        `call ${i} recorded`,
      );
    }
    // Another caller is not affected.
    await call(h, { from: '+15550998', to: binding.dids[0]!, agent: 'none', durationMs: 50 });
    await settled(h, 250);
    const top = h.slack.topLevel('CNOISE001');
    const notes = top.filter((m) => m.text.includes('Repeated short calls'));
    const threads = top.filter((m) => m.text.startsWith('Inbound call'));
    expect(notes).toHaveLength(1);
    expect(threads.map((t) => t.text.match(/from (\+\d+)/)![1])).toEqual(['+15550999', '+15550999', '+15550998']);
    expect(notes[0]!.text).toContain('3 calls folded here');
    expect(notes[0]!.text).toContain('+15550999 → +14155558000, +14155558001: 3×');
    expect(h.slack.thread('CNOISE001', notes[0]!.ts).replies).toHaveLength(0);
    const outcomes = await Promise.all(
      rooms.map(async (r) => (await h.deps.repos.calls.findByRoom(r, 'inbound'))!.outcome),
    );
    expect(outcomes).toEqual(['missed', 'missed', 'noise', 'noise', 'noise']);

    // The same caller with a real call (longer than the short-call limit): held, then its own thread.
    // The caller stays on the line until that thread shows the watchdog's warning.
    const longThread = eventually(
      () => h.slack.topLevel('CNOISE001').filter((m) => m.text.startsWith('Inbound call'))[3],
      25_000,
      'the long call’s thread',
    ).then((t) =>
      eventually(() => threadText(h, t).includes('No agent joined within'), 25_000, 'the long call’s warning'),
    );
    const longRoom = await call(h, {
      from: '+15550999',
      to: binding.dids[0]!,
      agent: 'none',
      durationMs: 0,
      hangUpWhen: longThread,
    });
    await settled(h, 250);
    const after = h.slack.topLevel('CNOISE001').filter((m) => m.text.startsWith('Inbound call'));
    expect(after).toHaveLength(4);
    const text = threadText(h, after[3]!);
    expect(text).toContain('SIP participant `sip_+15550999` joined');
    expect(text).toContain('No agent joined within');
    expect(text).toContain('Hung up after');
    expect((await h.deps.repos.calls.findByRoom(longRoom, 'inbound'))!.outcome).toBe('missed');
    expect(h.slack.topLevel('CNOISE001').filter((m) => m.text.includes('Repeated short calls'))).toHaveLength(1);
  });
});
