import type { Harness } from '../../test/support/app-harness';
import { SUPPORT_CHANNEL, eventually } from '../../test/support/app-harness';
import { seedBinding } from '../../test/support/fixtures';
import { renderMessage, unescapeSlack } from '../../test/support/slack-render';
import type { SlackMessage } from '../../test/support/slack-standin';

const ENGINEER = 'USUPPORT7';

function check(ok: unknown, what: string): void {
  if (!ok) throw new Error(`loopback demo: ${what}`);
}

/** One loopback from #support: the ack, then the parent and its thread as Slack shows them. */
async function loopback(
  h: Harness,
  say: (line: string) => void,
  binding: string,
  did: string,
  seen: Set<string>,
): Promise<SlackMessage> {
  say(`@${ENGINEER} in #${SUPPORT_CHANNEL} types: /sip-test-call ${binding} loopback`);
  const res = await h.client.command({
    command: '/sip-test-call',
    text: `${binding} loopback`,
    user_id: ENGINEER,
    channel_id: SUPPORT_CHANNEL,
  });
  const ack = res.body as { response_type?: string; text?: string };
  check(
    res.status === 200 && ack.response_type === 'ephemeral',
    `the command was not acknowledged ephemerally (HTTP ${res.status})`,
  );
  say(`SIP Ops (only visible to you): ${unescapeSlack(ack.text ?? '')}`);
  const parent = await eventually(
    () =>
      h.slack
        .topLevel(SUPPORT_CHANNEL)
        .find(
          (m) => !seen.has(m.ts) && m.versions[0]?.text === `Loopback via ${binding} to ${did}: dialing` && m.edits > 0,
        ),
    15_000,
    `the verdict of the loopback via ${binding}`,
  );
  seen.add(parent.ts);
  const { replies } = h.slack.thread(SUPPORT_CHANNEL, parent.ts);
  say(`#${SUPPORT_CHANNEL} (first posted as "${parent.versions[0]!.text}", then updated):`);
  for (const line of renderMessage({ blocks: parent.blocks }).split('\n')) say(`  │ ${line}`);
  for (const r of replies) say(`  ↳ ${renderMessage(r.args)}`);
  say('');
  return parent;
}

export async function run(h: Harness, say: (line: string) => void): Promise<void> {
  const binding = await seedBinding(h.deps, {
    name: 'demo-loop',
    trunkDomain: 'demo.pstn.sinch.com',
    dids: ['+14155557800'],
    callerId: '+14155557800',
    agentName: 'support-agent',
    reportChannel: 'CLOOPRPT1',
  });
  const did = binding.dids[0]!;
  say(`Binding ${binding.name}: DID ${did}, caller ID ${binding.callerId}, agent ${binding.agentName}.`);
  say(
    "The LiveKit emulator routes a call to the DID back in through the binding's inbound trunk (as EST does when the number is assigned to the trunk), 40 ms through the carrier; the agent joins 60 ms later.\n",
  );
  h.livekit.setLoopback({ delayMs: 40, agentJoinAfterMs: 60, ringMs: 1500 });
  const seen = new Set<string>();
  const passed = await loopback(h, say, binding.name, did, seen);
  check(passed.text.includes('passed'), `the loopback shows "${passed.text}"`);
  check(h.slack.topLevel('CLOOPRPT1').length === 0, 'the inbound leg was posted as a customer call');

  say(
    'Now EST does not route the DID back (the number is not assigned to the trunk): the carrier answers the INVITE with 404.\n',
  );
  h.livekit.setLoopback({ delayMs: 40, breakage: { kind: 'drop', sipStatus: 404 } });
  const failed = await loopback(h, say, binding.name, did, seen);
  check(failed.text.includes('the DID was not routed back to LiveKit'), `the failed loopback shows "${failed.text}"`);
  h.livekit.setLoopback(undefined);
  await eventually(
    () => !h.livekit.rooms().some((r) => r.name.startsWith('sipops-loop-')),
    5000,
    'the loopback rooms to be gone',
  );

  const records = (
    await h.deps.repos.calls.listSince('2000-01-01T00:00:00Z', { direction: 'loopback', bindingName: binding.name })
  ).map((c) => `${c.outcome}${c.endReason && c.outcome === 'failed' ? ` at ${c.endReason}` : ''}`);
  check(records.join(',') === 'passed,failed at inbound', `unexpected loopback records: ${records.join(', ')}`);
  say(`Recorded as loopbacks (not inbound traffic): ${records.join('; ')}.`);
}
