import { inboundFeature } from '../../src/features/inbound';
import { eventually, startHarness, type Harness } from '../../test/support/app-harness';
import { seedBinding } from '../../test/support/fixtures';
import { renderMessage, unescapeSlack } from '../../test/support/slack-render';

const CALLS_CHANNEL = 'CCALLS001';

/** The thread of the parent whose text mentions `caller`, once the call is over, as readable text. */
async function finishedThread(h: Harness, caller: string): Promise<string[]> {
  const parent = await eventually(
    () => {
      const p = h.slack.topLevel(CALLS_CHANNEL).find((m) => m.text.includes(caller));
      if (!p || !p.text.includes('Ended')) return undefined;
      const { replies } = h.slack.thread(CALLS_CHANNEL, p.ts);
      return replies.some((r) => r.text.includes('Hung up')) ? p : undefined;
    },
    8000,
    `the thread of the call from ${caller}`,
  );
  const { parent: p, replies } = h.slack.thread(CALLS_CHANNEL, parent.ts);
  const lines = renderMessage((p ?? parent).versions.at(-1) as Record<string, unknown>).split('\n');
  for (const r of replies) {
    const [first = '', ...rest] = unescapeSlack(r.text).split('\n');
    lines.push(`  ↳ ${first}`, ...rest.map((l) => `    ${l}`));
  }
  return lines;
}

export async function run(h: Harness, say: (line: string) => void): Promise<void> {
  const started = Date.now();
  // A second service, as production would run it with AGENT_JOIN_TIMEOUT_SEC=1, for the call no agent answers.
  const quick = await startHarness({
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', AGENT_JOIN_TIMEOUT_SEC: '1' },
    features: (deps) => [inboundFeature(deps)],
  });
  try {
    const answered = await seedBinding(h.deps, {
      name: 'demo-inbound',
      dids: ['+14155559801'],
      callerId: '+14155559801',
      agentName: 'inbound-agent',
      reportChannel: CALLS_CHANNEL,
    });
    const unanswered = await seedBinding(quick.deps, {
      name: 'demo-no-agent',
      dids: ['+14155559802'],
      callerId: '+14155559802',
      agentName: 'inbound-agent',
      reportChannel: CALLS_CHANNEL,
    });
    say(
      `Bindings ${answered.name} (DID ${answered.dids[0]}) and ${unanswered.name} (DID ${unanswered.dids[0]}) dispatch agent "inbound-agent"; calls are reported in #${CALLS_CHANNEL}.`,
    );
    say('LiveKit posts signed webhooks for two inbound calls: one the agent answers after 0.3 s,');
    say('one where no agent ever joins (the watchdog waits AGENT_JOIN_TIMEOUT_SEC=1 s).');
    const [a, b] = await Promise.all([
      h.livekit.simulateInboundCall({
        from: '+15550142',
        to: answered.dids[0]!,
        agent: { joinAfterMs: 300 },
        durationMs: 600,
      }),
      quick.livekit.simulateInboundCall({
        from: '+15550143',
        to: unanswered.dids[0]!,
        agent: 'none',
        durationMs: 1500,
      }),
    ]);
    if (!a.routed || !b.routed) throw new Error('the emulator did not route the demo calls');
    say(`Webhooks of the first call: ${a.events.map((e) => e.event).join(' → ')}`);

    const [first, second] = await Promise.all([finishedThread(h, '+15550142'), finishedThread(quick, '+15550143')]);
    say('');
    say(`#${CALLS_CHANNEL}:`);
    for (const l of first) say(`  ${l}`);
    say('');
    for (const l of second) say(`  ${l}`);

    const slackCalls = h.slack.calls.filter(
      (c) => c.method.startsWith('chat.') && c.args.channel === CALLS_CHANNEL,
    ).length;
    say('');
    say(
      `Slack calls for the first call: ${slackCalls} (parent, one coalesced thread reply, final parent update; paced ≤ 1/s per channel).`,
    );
    const text1 = first.join('\n');
    const text2 = second.join('\n');
    if (!text1.includes('agent inbound-agent joined after') && !text1.includes('agent `inbound-agent` joined after'))
      throw new Error(`first call: no agent in the parent:\n${text1}`);
    if (text1.includes('No agent joined within')) throw new Error('first call: unexpected watchdog warning');
    if (slackCalls > 3) throw new Error(`first call took ${slackCalls} Slack calls (expected ≤ 3)`);
    if (!text2.includes('No agent joined within 1.0 s') || !text2.includes('roomConfig.agents'))
      throw new Error(`second call: no watchdog warning:\n${text2}`);
    if (!text2.includes('no agent joined'))
      throw new Error('second call: the parent does not say that no agent joined');
    const rec = await h.deps.repos.calls.findByRoom(a.roomName, 'inbound');
    if (!rec || rec.outcome !== 'completed' || !rec.agentJoined)
      throw new Error(`first call record: ${JSON.stringify(rec)}`);
    say(
      `Call record: ${rec.caller} → ${rec.callee}, binding ${rec.bindingName}, agent joined after ${rec.setupMs} ms, ${rec.durationMs} ms, ${rec.endReason}, ${rec.outcome}.`,
    );
    say(`Inbound step took ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    await quick.stop();
  }
}
